"""/metrics in the Prometheus text format, served by the readiness server from a real store."""

from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.clock import utcnow
from bot.config import DeliveryConfig, HealthConfig
from bot.net.health import start_health_server
from bot.net.metrics import PrometheusMetrics
from bot.services.delivery import Dispatcher
from bot.store.engine import Store
from bot.store.stats import stats
from bot.tg.sender import TelegramSender
from tests.support.bot_process import free_port
from tests.support.delivery_data import seed_fanout
from tests.support.sender_proc import open_bot
from tests.support.tg_api import BotApiStandIn

FAST = DeliveryConfig(global_per_s=100, instant_window_s=0.0, retry_base_s=0.1)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def _scrape(url: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        return await response.text()


async def test_metrics_parse_and_their_counters_move_with_a_push(store: Store) -> None:
    metrics = PrometheusMetrics()
    port = free_port()

    async def figures() -> dict[str, int]:
        return await store.read(stats)

    runner = await start_health_server(
        HealthConfig(port=port), figures, metrics=metrics, figures=figures
    )
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        store.write_sync(seed_fanout, [1, 2, 3], 1)
        before = _samples(await _scrape(url))
        assert before[("digest_bot_stories", (("state", "ready"),))] == 1
        assert ("digest_bot_deliveries_total", (("outcome", "sent"),)) not in before
        with BotApiStandIn() as api:
            async with open_bot(api.base_url) as bot:
                dispatcher = Dispatcher(store, TelegramSender(bot), FAST, metrics=metrics)
                await dispatcher.match_ready(utcnow())
                assert _samples(await _scrape(url))[("digest_bot_deliveries_pending", ())] == 3
                await dispatcher.send_due(utcnow())
        after = _samples(await _scrape(url))
        assert after[("digest_bot_deliveries_total", (("outcome", "sent"),))] == 3
        assert after[("digest_bot_deliveries_pending", ())] == 0
        assert after[("digest_bot_stories", (("state", "ready"),))] == 1  # matched is ready too
        metrics.observe("poll", 0.2)
        polled = _samples(await _scrape(url))
        assert polled[("digest_bot_poll_seconds_count", ())] == 1
    finally:
        await runner.cleanup()
