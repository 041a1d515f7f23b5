"""The readiness endpoint: `GET /healthz` answers 200 when the store is reachable, else 503."""

from __future__ import annotations

import json
import logging

from aiohttp import web
from sqlalchemy import Connection, func, select

from bot.config import HealthConfig
from bot.errors import StoreError
from bot.store.engine import Store
from bot.store.schema import deliveries, feeds

log = logging.getLogger(__name__)


def _counts(conn: Connection) -> dict[str, int]:
    pending = select(func.count()).where(deliveries.c.state.in_(("pending", "sending")))
    return {
        "feeds": conn.execute(select(func.count()).select_from(feeds)).scalar_one(),
        "pending_deliveries": conn.execute(pending).scalar_one(),
    }


async def start_health_server(config: HealthConfig, store: Store) -> web.AppRunner:
    """Serve /healthz on `config.host:config.port`; return the runner to clean up."""

    async def healthz(_request: web.Request) -> web.Response:
        try:
            body = {"status": "ok", **await store.read(_counts)}
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
