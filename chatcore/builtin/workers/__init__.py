"""Several workers on one Redis: the inbound queue, partition leases, model publishing,
health and metrics (see docs/deploy.md)."""
