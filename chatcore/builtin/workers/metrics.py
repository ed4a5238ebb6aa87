"""Prometheus metrics of one process (``prometheus_client``), exposed at ``/metrics`` by the
ops server when ``workers.ops.metrics`` is on. Each process has its own registry, so tests
and embedders can hold several."""

from __future__ import annotations

from typing import Any

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
CONFIDENCE_BUCKETS = tuple(i / 10 for i in range(1, 11))


def reply_source(reply: Any) -> str:
    """answer, fallback, command, refusal or error: what a reply was, for counting."""
    if reply.kind in ("command", "refusal", "error"):
        return reply.kind
    if reply.kind in ("limited", "muted"):
        return "refusal"
    return "fallback" if reply.fallback else "answer"


class Metrics:
    def __init__(self, role: str, worker_id: str) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = registry = CollectorRegistry()
        self.messages = Counter("chatcore_messages", "Messages handled", registry=registry)
        self.replies = Counter(
            "chatcore_replies", "Replies by source", ["source"], registry=registry
        )
        self.latency = Histogram(
            "chatcore_reply_latency_seconds",
            "Engine time per reply",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.queue_latency = Histogram(
            "chatcore_queue_to_reply_seconds",
            "From queued to acknowledged",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.confidence = Histogram(
            "chatcore_model_confidence",
            "Confidence of model answers and fallbacks",
            buckets=CONFIDENCE_BUCKETS,
            registry=registry,
        )
        self.moderation = Counter(
            "chatcore_moderation_actions",
            "Filter decisions by action and category",
            ["action", "category"],
            registry=registry,
        )
        self.queue_depth = Gauge(
            "chatcore_queue_depth", "Queued messages not yet acknowledged", registry=registry
        )
        self.queue_age = Gauge(
            "chatcore_queue_oldest_age_seconds",
            "Age of the oldest unacknowledged message",
            registry=registry,
        )
        self.reclaimed_total = Counter(
            "chatcore_reclaimed_messages",
            "Messages claimed from a worker that stopped",
            registry=registry,
        )
        self.model_info = Gauge(
            "chatcore_model_version_info",
            "The model version this process serves (value 1)",
            ["version"],
            registry=registry,
        )
        self.model_swaps = Counter(
            "chatcore_model_swaps",
            "Published models applied or refused",
            ["outcome"],
            registry=registry,
        )
        self.info = Gauge(
            "chatcore_process_info",
            "Role and id of this process",
            ["role", "worker"],
            registry=registry,
        )
        self.info.labels(role, worker_id).set(1)

    def message(self) -> None:
        self.messages.inc()

    def reply(self, reply: Any) -> None:
        self.replies.labels(reply_source(reply)).inc()
        self.latency.observe(reply.latency_ms / 1000)
        if reply.source == "qa" or reply.kind == "answer":
            self.confidence.observe(reply.confidence)
        for verdict in reply.verdicts:
            self.moderation.labels(verdict.action.value, verdict.category or "none").inc()

    def queue_to_reply(self, seconds: float) -> None:
        self.queue_latency.observe(max(0.0, seconds))

    def queue(self, depth: int, oldest_age: float) -> None:
        self.queue_depth.set(depth)
        self.queue_age.set(oldest_age)

    def reclaimed(self, count: int) -> None:
        self.reclaimed_total.inc(count)

    def model(self, version: str | None) -> None:
        self.model_info.clear()
        if version:
            self.model_info.labels(version).set(1)

    def model_event(self, outcome: str, version: str) -> None:
        self.model_swaps.labels(outcome).inc()

    def exposition(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST
