"""Values behind inline buttons: callback data holds 64 bytes, so longer values live here.

A topic query or a feed URL is kept in the `settings` table under `<kind>:<key>`, where the key
is a hash of the value (so the same value always gets the same row); buttons carry the key and
keep working after a restart.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from bot.store.schema import settings
from bot.store.sql import insert_ignore


def remember(conn: Connection, kind: str, key: str, value: str) -> None:
    """Keep `value` under `kind` and `key` (again is fine)."""
    insert_ignore(conn, settings, {"key": f"{kind}:{key}", "value": value}, ["key"])


def recall(conn: Connection, kind: str, key: str) -> str | None:
    """The value kept under `kind` and `key`, if any."""
    stmt = select(settings.c.value).where(settings.c.key == f"{kind}:{key}")
    value = conn.execute(stmt).scalar()
    return None if value is None else str(value)
