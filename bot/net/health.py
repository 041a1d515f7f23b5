"""The readiness endpoint: `GET /healthz` answers 200 when the store is reachable, else 503."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.config import HealthConfig
from bot.errors import StoreError

log = logging.getLogger(__name__)


async def start_health_server(
    config: HealthConfig, counts: Callable[[], Awaitable[dict[str, int]]]
) -> web.AppRunner:
    """Serve /healthz on `config.host:config.port`; return the runner to clean up.

    `counts()` reads the figures to show; a `StoreError` from it means "unavailable".
    """

    async def healthz(_request: web.Request) -> web.Response:
        try:
            body = {"status": "ok", **await counts()}
            status = 200
        except StoreError as exc:
            body, status = {"status": "unavailable", "error": str(exc)}, 503
        return web.Response(text=json.dumps(body), status=status, content_type="application/json")

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, config.host, config.port).start()
    log.info("health endpoint on http://%s:%s/healthz", config.host, config.port)
    return runner
