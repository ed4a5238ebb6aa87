"""The ``workers:`` config section: the queue, leases, draining and the ops server.
Redis itself is the ``redis:`` section (the store's URL and key prefix), shared."""

from __future__ import annotations

from pydantic import Field

from chatcore.settings import Settings


class OpsSettings(Settings):
    host: str = Field("127.0.0.1", description="where /healthz, /readyz and /metrics listen")
    port: int | None = Field(
        None,
        ge=0,
        le=65535,
        description="the ops server's port (none: no ops server); with --workers N the "
        "gateway takes it and worker i port+1+i",
    )
    metrics: bool = Field(False, description="serve Prometheus metrics at /metrics")


class WorkersSettings(Settings):
    channels: list[str] = Field(
        default_factory=lambda: ["telegram"],
        description="the frontends a worker answers for (their gateways queue messages)",
    )
    partitions: int = Field(
        16,
        ge=1,
        le=1024,
        description="queue partitions; a chat stays in one, a partition is read by one "
        "worker at a time: more partitions than workers, fixed for the queue's life",
    )
    lease_seconds: float = Field(
        3.0, ge=0.5, le=60, description="a dead worker's partitions move on after this"
    )
    max_in_flight: int = Field(32, ge=1, le=10_000, description="messages a worker handles at once")
    drain_seconds: float = Field(
        30.0, ge=0, description="on SIGTERM, time to finish claimed messages before exiting"
    )
    model_poll_seconds: float = Field(
        1.0, gt=0, le=60, description="how often workers look for a newly published model"
    )
    restart_delay: float = Field(
        1.0, ge=0, le=60, description="--workers N: wait before restarting a process that died"
    )
    dedupe_seconds: int = Field(
        2 * 24 * 3600,
        ge=60,
        description="a redelivered message (same update id) within this is dropped; longer "
        "than the frontend's redelivery window (Telegram keeps updates 24 h)",
    )
    ops: OpsSettings = Field(default_factory=OpsSettings)
