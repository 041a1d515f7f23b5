"""Storage: one layer for SQLite and PostgreSQL (SQLAlchemy Core, Alembic migrations).

`engine.Store` runs query functions off the event loop; `schema` holds the tables; the other
modules hold the queries, as plain functions of a `Connection`, grouped by domain.
"""

from bot.store.engine import Store

__all__ = ["Store"]
