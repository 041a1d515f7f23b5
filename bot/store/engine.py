"""The database engine: one `Store` for SQLite and PostgreSQL, off the event loop.

Queries are plain functions of a SQLAlchemy `Connection` (see the other modules of this
package); `Store.read(fn, ...)` and `Store.write(fn, ...)` run them in a worker thread inside one
transaction, so the event loop never blocks on the database. On SQLite a write transaction
starts with `BEGIN IMMEDIATE`, so two writers queue on the lock instead of failing half-way.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from bot.errors import StoreError

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
)


def normalise_database_url(url: str) -> str:
    """Map the usual spellings of a database URL to the drivers we ship."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def create_store_engine(url: str) -> Engine:
    """Create an engine for `url`; make the SQLite file's folder; set SQLite pragmas."""
    url = normalise_database_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"storage.url is not a database URL: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url, parsed.database)
    try:
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    except (ImportError, ArgumentError) as exc:
        raise StoreError(
            f"cannot use {parsed.get_backend_name()}: {exc}; install digest-bot[postgres]"
        ) from None


def _create_sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _corrupt_sqlite(exc: SQLAlchemyError) -> bool:
    original = getattr(exc, "orig", None)
    text = str(original).lower()
    return isinstance(original, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "corrupt" in text
    )


class Store:
    """The bot's database: migrations, and transactions run in worker threads."""

    def __init__(self, url: str, *, threads: int = 4) -> None:
        self.url = normalise_database_url(url)
        self.engine = create_store_engine(self.url)
        self.dialect = self.engine.dialect.name
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="store")

    @property
    def is_sqlite(self) -> bool:
        """True on SQLite, False on PostgreSQL."""
        return self.dialect == "sqlite"

    def upgrade(self) -> None:
        """Apply every pending migration (blocking; call before the loop starts or in a thread)."""
        from bot.store.migrate import upgrade

        try:
            upgrade(self.engine)
        except SQLAlchemyError as exc:
            raise self._error("upgrade", exc) from exc

    def revision(self) -> str | None:
        """The schema revision the database is at (None before the first migration)."""
        from bot.store.migrate import current_revision

        try:
            return current_revision(self.engine)
        except SQLAlchemyError as exc:
            raise self._error("revision", exc) from exc

    def read_sync(
        self, fn: Callable[Concatenate[Connection, P], T], *a: P.args, **k: P.kwargs
    ) -> T:
        """Run `fn(conn, ...)` in a read transaction, in this thread."""
        return self._run(fn, False, *a, **k)

    def write_sync(
        self, fn: Callable[Concatenate[Connection, P], T], *a: P.args, **k: P.kwargs
    ) -> T:
        """Run `fn(conn, ...)` in a write transaction, in this thread."""
        return self._run(fn, True, *a, **k)

    async def read(
        self, fn: Callable[Concatenate[Connection, P], T], *a: P.args, **k: P.kwargs
    ) -> T:
        """Run `fn(conn, ...)` in a read transaction, in a worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: self._run(fn, False, *a, **k))

    async def write(
        self, fn: Callable[Concatenate[Connection, P], T], *a: P.args, **k: P.kwargs
    ) -> T:
        """Run `fn(conn, ...)` in a write transaction, in a worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: self._run(fn, True, *a, **k))

    def _run(
        self, fn: Callable[Concatenate[Connection, P], T], write: bool, *a: P.args, **k: P.kwargs
    ) -> T:
        try:
            with self.engine.connect() as conn:
                if self.is_sqlite:
                    conn = conn.execution_options(
                        sqlite_begin="IMMEDIATE" if write else "DEFERRED"
                    )
                with conn.begin():
                    return fn(conn, *a, **k)
        except SQLAlchemyError as exc:
            raise self._error(fn.__name__, exc) from exc

    def _error(self, what: str, exc: SQLAlchemyError) -> StoreError:
        """One sentence for the failure; a corrupted SQLite file is named, with what to do."""
        if self.is_sqlite and _corrupt_sqlite(exc):
            path = self.engine.url.database or "the SQLite database"
            return StoreError(
                f"{path} is not a readable SQLite database (corrupted, or another kind of "
                "file): move it away to start afresh, or restore a backup"
            )
        unreachable = _unreachable_reason(exc)
        if unreachable is not None and not self.is_sqlite:
            url = self.engine.url
            reason = unreachable.replace(url.password, "***") if url.password else unreachable
            return StoreError(
                f"the database {url.database or ''} at {url.host or 'localhost'}:"
                f"{url.port or 5432} is unreachable: {reason}"
            )
        return StoreError(f"database error in {what}: {exc.__class__.__name__}")

    def close(self) -> None:
        """Close every connection and the worker threads (idempotent)."""
        self._executor.shutdown(wait=True)
        self.engine.dispose()


_UNREACHABLE = (
    "connection failed",
    "could not connect",
    "connection to server",
    "connection refused",
)


def _unreachable_reason(exc: SQLAlchemyError) -> str | None:
    """The server's reason, in a line, when the error is that no connection could be made."""
    if not isinstance(exc, OperationalError):
        return None
    text = str(exc.orig if exc.orig is not None else exc)
    if not any(marker in text.lower() for marker in _UNREACHABLE):
        return None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    reason = lines[0] if lines else text
    return reason.rsplit("failed: ", 1)[-1][:300]
