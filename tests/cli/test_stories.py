"""`digest-bot latest` and `digest-bot status` on a real store."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection

from bot.cli import main, unexpected_error
from bot.cli.logs import setup_logging
from bot.store.engine import Store
from bot.store.schema import chats, deliveries, feeds
from tests.support.story_data import add_feed, add_story


def _config(tmp_path: Path, db_url: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\nurl = "{db_url}"\n', encoding="utf-8")
    return str(path)


def _seed(conn: Connection) -> None:
    now = datetime.now(UTC)
    world = add_feed(conn, "https://world.example/rss", name="World")
    failing = add_feed(conn, "https://bad.example/rss", title="Bad")
    conn.execute(feeds.update().where(feeds.c.id == failing).values(status="failing"))
    add_story(
        conn,
        "Syrian talks",
        "Talks in Geneva.",
        feed_id=world,
        published=now - timedelta(hours=2),
        summary="Talks resumed.\nMore soon.",
        keywords="Syria,Geneva",
        categories="Middle East",
    )
    story = add_story(
        conn, "Café opens", "Crème brûlée.", feed_id=world, published=now - timedelta(hours=1)
    )
    add_story(conn, "Unready", "Syria.", feed_id=world, state="new")
    conn.execute(chats.insert().values(id=1, kind="private", created_at=now, updated_at=now))
    conn.execute(deliveries.insert().values(chat_id=1, story_id=story, due_at=now, created_at=now))


@pytest.fixture
def config_path(db_url: str, tmp_path: Path) -> str:
    """A config file pointing at a migrated, seeded store."""
    store = Store(db_url)
    store.upgrade()
    store.write_sync(_seed)
    store.close()
    return _config(tmp_path, db_url)


def test_latest_json_newest_first(config_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", config_path, "latest", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [s["title"] for s in lines] == ["Café opens", "Syrian talks"]
    talks = lines[1]
    assert talks["summary"] == ["Talks resumed.", "More soon."]
    assert talks["keywords"] == ["Syria", "Geneva"]
    assert talks["categories"] == ["Middle East"]
    assert talks["tags"] == ["#Middle_East", "#Syria", "#Geneva"]  # as a chat shows them
    assert talks["feeds"] == ["World"]
    assert talks["url"].startswith("https://")
    assert datetime.fromisoformat(talks["published"]).tzinfo is not None


def test_latest_topic_and_text_output(
    config_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", config_path, "latest", "--topic", "syria", "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert "Syrian talks" in out
    assert "Café" not in out
    assert "Unready" not in out
    assert main(["--config", config_path, "latest", "--topic=-syria"]) == 1
    err = capsys.readouterr().err
    assert "at least one word" in err
    assert "<code>" not in err


def test_status_ready(config_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", config_path, "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["ready"] is True
    assert status["schema_current"] is True
    assert (status["feeds"], status["feeds_ok"], status["feeds_failing"]) == (2, 1, 1)
    assert status["stories"] == 3
    assert status["pending_deliveries"] == 1


def test_status_not_ready_without_migrations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config(tmp_path, f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert main(["--config", path, "status"]) == 1
    out = capsys.readouterr().out
    assert "schema_current: False" in out
    assert "ready: False" in out
    assert "what to do: run `digest-bot db upgrade` (the schema is empty" in out


def test_status_names_an_unreachable_server_without_its_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on: refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://bot:hunter2-secret@127.0.0.1:{port}/news"
    path = _config(tmp_path, url)
    assert main(["status", "--config", path, "--json"]) == 1  # --config after the command
    status = json.loads(capsys.readouterr().out)
    assert status["reachable"] is False
    assert f"the database news at 127.0.0.1:{port} is unreachable" in status["error"]
    assert "check [storage] url" in status["advice"]
    assert "hunter2" not in json.dumps(status)


@pytest.mark.parametrize("where", ["before", "after"])
def test_config_is_accepted_before_or_after_the_subcommand(
    config_path: str, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    argv = ["--config", config_path, "status"] if where == "before" else ["status"]
    if where == "after":
        argv += ["--config", config_path]
    assert main(argv) == 0
    assert "ready: True" in capsys.readouterr().out


def _corrupt_config(tmp_path: Path) -> tuple[str, Path]:
    database = tmp_path / "broken.sqlite3"
    database.write_bytes(b"this is no database, just bytes " * 200)
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{database}"\n', encoding="utf-8")
    return str(config), database


@pytest.mark.parametrize("command", [["db", "upgrade"], ["latest"], ["poll", "--once"]])
def test_a_corrupted_sqlite_file_is_one_sentence_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    config, database = _corrupt_config(tmp_path)
    assert main(["--config", config, *command]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"digest-bot: {database} is not a readable SQLite database (corrupted, or another kind"
        " of file): move it away to start afresh, or restore a backup"
    ]


def test_status_names_a_corrupted_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config, database = _corrupt_config(tmp_path)
    assert main(["--config", config, "status", "--json"]) == 1
    status = json.loads(capsys.readouterr().out)
    assert status["reachable"] is False
    assert str(database) in status["error"]


def test_an_unexpected_error_is_one_scrubbed_line(capsys: pytest.CaptureFixture[str]) -> None:
    """Logged (with its traceback) through the scrubbing filter, then one line to the user."""
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    setup_logging("INFO", "text", (token,))  # as main() does once the config is read
    with pytest.raises(RuntimeError) as caught:
        raise RuntimeError(f"request to https://api.telegram.org/bot{token}/getMe failed")
    assert unexpected_error(caught.value, (token,)) == 1
    err = capsys.readouterr().err.strip()
    last = err.splitlines()[-1]
    assert last.startswith("digest-bot: stopped by an unexpected error (RuntimeError: ")
    assert "ERROR bot.cli: digest-bot stopped by an unexpected error" in err
    assert token not in err
    assert "AAHdqTcv" not in err
