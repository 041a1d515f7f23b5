"""The readiness endpoint: `GET /healthz` answers 200 when the store is reachable, else 503;
`GET /metrics` serves the Prometheus metrics (`bot.net.metrics`)."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.config import HealthConfig
from bot.errors import StoreError
from bot.net.metrics import CONTENT_TYPE, PrometheusMetrics

log = logging.getLogger(__name__)


async def start_health_server(
    config: HealthConfig,
    counts: Callable[[], Awaitable[dict[str, int]]],
    metrics: PrometheusMetrics | None = None,
    figures: Callable[[], Awaitable[dict[str, int]]] | None = None,
) -> web.AppRunner:
    """Serve /healthz (and /metrics) on `config.host:config.port`; return the runner.

    `counts()` reads the figures /healthz shows; a `StoreError` from it means "unavailable".
    `figures()` reads the store's counts for the gauges of /metrics.
    """

    async def healthz(_request: web.Request) -> web.Response:
        try:
            body = {"status": "ok", **await counts()}
            status = 200
        except StoreError as exc:
            body, status = {"status": "unavailable", "error": str(exc)}, 503
        return web.Response(text=json.dumps(body), status=status, content_type="application/json")

    async def metrics_page(_request: web.Request) -> web.Response:
        assert metrics is not None
        assert figures is not None
        try:
            body = metrics.render(await figures())
        except StoreError as exc:
            return web.Response(text=f"store unavailable: {exc}\n", status=503)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    if metrics is not None and figures is not None:
        app.router.add_get("/metrics", metrics_page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, config.host, config.port).start()
    log.info("health endpoint on http://%s:%s/healthz", config.host, config.port)
    return runner
