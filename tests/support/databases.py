"""Database URLs for tests: a SQLite file under tmp_path, or a fresh PostgreSQL schema.

PostgreSQL runs when `BOT_TEST_DATABASE_URL` is set (`.ci/run` and `scripts/test` set it); each
test gets its own schema, dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from bot.store.engine import normalise_database_url

PG_ENV = "BOT_TEST_DATABASE_URL"


def postgres_base_url() -> str | None:
    """The PostgreSQL URL the tests may use, or None."""
    return os.environ.get(PG_ENV) or None


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """Create a throw-away schema and yield a URL whose search_path points at it."""
    base = postgres_base_url()
    if base is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (scripts/test sets it)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(normalise_database_url(base))
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file URL under `tmp_path`, in a folder that does not exist yet."""
    return f"sqlite:///{tmp_path / 'data' / 'bot.sqlite3'}"
