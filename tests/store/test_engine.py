"""The storage layer on a real SQLite file and the real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, func, insert, select, text

from bot.errors import StoreError
from bot.store.engine import Store
from bot.store.migrate import current_revision, downgrade, head_revision, upgrade
from bot.store.schema import chats, deliveries, feeds, metadata, stories
from bot.store.sql import insert_ignore, upsert

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def _add_chat_feed_story(conn: Connection) -> int:
    conn.execute(
        chats.insert().values(
            id=-1001, kind="supergroup", title="News", created_at=NOW, updated_at=NOW
        )
    )
    feed_id = conn.execute(
        feeds.insert().values(url="https://example.org/feed.xml", title="Example", created_at=NOW)
    ).inserted_primary_key[0]
    story_id = conn.execute(
        stories.insert().values(
            key="https://example.org/a",
            feed_id=feed_id,
            url="https://example.org/a",
            title="Assad informed Iran",
            published_at=NOW - timedelta(hours=1),
            search_doc="assad informed iran syrian president turkey",
            created_at=NOW,
            updated_at=NOW,
        )
    ).inserted_primary_key[0]
    return int(story_id)


def _deliver(conn: Connection, story_id: int) -> bool:
    return insert_ignore(
        conn,
        deliveries,
        {"chat_id": -1001, "story_id": story_id, "due_at": NOW, "created_at": NOW},
        ["chat_id", "story_id"],
    )


def test_migrate_write_close_reopen_read(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    assert current_revision(store.engine) == head_revision()
    story_id = store.write_sync(_add_chat_feed_story)
    store.close()

    reopened = Store(db_url)
    reopened.upgrade()  # idempotent on an up-to-date database
    row = reopened.read_sync(
        lambda conn: conn.execute(select(stories).where(stories.c.id == story_id)).one()
    )
    assert row.title == "Assad informed Iran"
    assert row.published_at == NOW - timedelta(hours=1)
    assert row.published_at.tzinfo is not None
    chat = reopened.read_sync(lambda conn: conn.execute(select(chats)).one())
    assert (chat.kind, chat.active, chat.summary_sentences, chat.digest_mode) == (
        "supergroup",
        True,
        3,
        "instant",
    )
    reopened.close()


def test_unique_delivery_per_chat_and_story(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    story_id = store.write_sync(_add_chat_feed_story)
    assert store.write_sync(_deliver, story_id) is True
    assert store.write_sync(_deliver, story_id) is False
    with pytest.raises(StoreError):
        store.write_sync(
            lambda conn: conn.execute(
                deliveries.insert().values(
                    chat_id=-1001, story_id=story_id, due_at=NOW, created_at=NOW
                )
            )
        )
    count = store.read_sync(
        lambda conn: conn.execute(select(func.count()).select_from(deliveries)).scalar()
    )
    assert count == 1
    store.close()


async def test_async_calls_run_off_the_loop(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    story_id = await store.write(_add_chat_feed_story)
    titles = await store.read(lambda conn: conn.execute(select(stories.c.title)).scalars().all())
    assert titles == ["Assad informed Iran"]
    assert await store.write(_deliver, story_id) is True
    store.close()


def test_upsert_updates_the_colliding_row(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    store.write_sync(_add_chat_feed_story)
    row = {
        "id": -1001,
        "kind": "supergroup",
        "title": "Renamed",
        "created_at": NOW,
        "updated_at": NOW,
    }
    store.write_sync(lambda conn: upsert(conn, chats, row, ["id"], ["title"]))
    assert store.read_sync(lambda conn: conn.execute(select(chats.c.title)).scalar()) == "Renamed"
    store.close()


def test_full_text_index_finds_words_and_prefixes(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    story_id = store.write_sync(_add_chat_feed_story)
    if store.is_sqlite:
        query = "SELECT rowid FROM stories_fts WHERE stories_fts MATCH :q"
        prefix, miss = '"syria" *', '"assyria"'
    else:
        query = "SELECT id FROM stories WHERE search @@ to_tsquery('simple', :q)"
        prefix, miss = "syria:*", "assyria"
    found = store.read_sync(lambda c: c.execute(text(query), {"q": prefix}).scalars().all())
    assert found == [story_id]
    assert store.read_sync(lambda c: c.execute(text(query), {"q": miss}).scalars().all()) == []
    store.close()


def test_migrations_match_the_schema_module(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()

    def diff(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn)
        return [
            d
            for d in compare_metadata(context, metadata)
            # full-text objects live only in the migrations, on purpose
            if "stories_fts" not in str(d) and "search" not in str(d)
        ]

    assert store.read_sync(diff) == []
    store.close()


def test_sqlite_uses_wal(tmp_path: object) -> None:
    store = Store(f"sqlite:///{tmp_path}/wal.sqlite3")
    store.upgrade()
    mode = store.read_sync(lambda c: c.exec_driver_sql("PRAGMA journal_mode").scalar())
    assert mode == "wal"
    store.close()


def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        Store("not a url at all")


def test_upgrade_from_the_first_revision_keeps_rows(db_url: str) -> None:
    """A database made by an older release upgrades in place; its feeds get no content hash."""
    store = Store(db_url)
    upgrade(store.engine, "0001")
    assert current_revision(store.engine) == "0001"
    store.write_sync(
        lambda conn: conn.execute(
            insert(feeds).values(url="https://news.example.org/rss", created_at=NOW)
        )
    )
    store.write_sync(
        lambda conn: conn.execute(
            insert(chats).values(id=-100, kind="channel", created_at=NOW, updated_at=NOW)
        )
    )
    store.upgrade()
    assert current_revision(store.engine) == head_revision()
    row = store.read_sync(lambda conn: conn.execute(select(feeds)).one())
    assert (row.url, row.content_hash, row.status) == ("https://news.example.org/rss", None, "new")
    chat = store.read_sync(lambda conn: conn.execute(select(chats)).one())
    assert (chat.id, chat.kind, chat.added_by) == (-100, "channel", None)
    store.close()


def test_the_newest_migration_goes_down_and_up_again(db_url: str) -> None:
    """0009 (filters), 0008 (story categories) and 0007 (how a chat reads) undone keep the
    stories, chats and the full-text index working."""
    store = Store(db_url)
    store.upgrade()
    assert head_revision() == "0010"
    story_id = store.write_sync(_add_chat_feed_story)
    downgrade(store.engine, "0008")
    chat = store.read_sync(lambda conn: conn.execute(text("SELECT * FROM chats")).mappings().one())
    assert "mute" not in chat
    downgrade(store.engine, "0007")
    assert current_revision(store.engine) == "0007"
    columns = store.read_sync(
        lambda conn: conn.execute(text("SELECT * FROM stories")).mappings().one()
    )
    assert "categories" not in columns
    assert columns["title"] == "Assad informed Iran"
    downgrade(store.engine, "0006")
    chat = store.read_sync(lambda conn: conn.execute(text("SELECT * FROM chats")).mappings().one())
    assert "quiet_hours" not in chat
    assert chat["kind"] == "supergroup"
    store.upgrade()
    assert current_revision(store.engine) == head_revision()
    store.write_sync(
        lambda conn: conn.execute(
            stories.update().where(stories.c.id == story_id).values(search_doc="ferry strike")
        )
    )
    if store.is_sqlite:  # the triggers that keep the index in step survived the round trip
        query = "SELECT rowid FROM stories_fts WHERE stories_fts MATCH :q"
    else:
        query = "SELECT id FROM stories WHERE search @@ to_tsquery('simple', :q)"
    found = store.read_sync(lambda c: c.execute(text(query), {"q": "ferry"}).scalars().all())
    assert found == [story_id]
    store.close()


def test_no_text_field_can_carry_a_nul_or_a_lone_surrogate(store: Store) -> None:
    """The last line behind the parsers: PostgreSQL refuses NUL, UTF-8 has no surrogates."""
    now = datetime(2026, 11, 25, tzinfo=UTC)

    def write(conn: Connection) -> None:
        conn.execute(
            insert(chats).values(
                id=1, kind="group", title="Ops\x00\ud800 room\x07", created_at=now, updated_at=now
            )
        )

    store.write_sync(write)
    title = store.read_sync(lambda c: c.execute(select(chats.c.title)).scalar_one())
    assert title == "Ops room"
