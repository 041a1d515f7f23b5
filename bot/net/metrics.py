"""Prometheus metrics (prometheus-client), served as `/metrics` by the readiness server.

Counters and histograms are fed by the services through the `Metrics` port; the gauges
(feeds, stories and deliveries by state, the age of the oldest due delivery) are read from
the store's one counting function (`bot.store.stats.stats`) at each scrape.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST
_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
# Delivery outcomes (labels of digest_bot_deliveries) and "floods", Telegram's 429s.
_COUNTERS = frozenset({"sent", "retried", "failed", "cancelled", "floods"})


class PrometheusMetrics:
    """The `Metrics` port on a registry of its own (several bots in one test process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        reg = self.registry
        self._deliveries = Counter(
            "digest_bot_deliveries", "Deliveries by outcome", ["outcome"], registry=reg
        )
        self._floods = Counter(
            "digest_bot_telegram_429", "429 answers from Telegram", registry=reg
        )
        self._durations = {
            "poll": Histogram(
                "digest_bot_poll_seconds", "One feed's poll", buckets=_BUCKETS, registry=reg
            ),
            "enrich": Histogram(
                "digest_bot_enrich_seconds",
                "One story's enrichment",
                buckets=_BUCKETS,
                registry=reg,
            ),
        }
        self._feeds = Gauge("digest_bot_feeds", "Feeds by status", ["status"], registry=reg)
        self._stories = Gauge("digest_bot_stories", "Stories by state", ["state"], registry=reg)
        self._queue = Gauge(
            "digest_bot_deliveries_pending", "Deliveries pending or being sent", registry=reg
        )
        self._age = Gauge(
            "digest_bot_send_queue_age_seconds",
            "How long the oldest due delivery has waited",
            registry=reg,
        )

    def count(self, name: str, value: float = 1.0) -> None:
        """Add to a delivery outcome, or to the 429s."""
        if value <= 0 or name not in _COUNTERS:
            return
        if name == "floods":
            self._floods.inc(value)
        else:
            self._deliveries.labels(name).inc(value)

    def observe(self, name: str, seconds: float) -> None:
        """One poll or enrichment duration."""
        histogram = self._durations.get(name)
        if histogram is not None:
            histogram.observe(max(0.0, seconds))

    def render(self, figures: dict[str, int], now: float | None = None) -> bytes:
        """The text exposition, the gauges set from the store's counts first."""
        for status in ("ok", "failing", "dead"):
            self._feeds.labels(status).set(figures.get(status, 0))
        self._stories.labels("new").set(figures.get("stories_new", 0))
        self._stories.labels("ready").set(figures.get("stories_ready", 0))
        self._stories.labels("failed").set(figures.get("stories_failed", 0))
        self._queue.set(figures.get("pending", 0))
        oldest = figures.get("oldest_due_epoch", 0)
        now = time.time() if now is None else now
        self._age.set(max(0.0, now - oldest) if oldest else 0.0)
        return bytes(generate_latest(self.registry))
