"""Logging: one line per event, text or JSON, tokens scrubbed."""

from __future__ import annotations

import json
import logging

import pytest

from bot.cli.logs import setup_logging

TOKEN = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0"


@pytest.fixture(autouse=True)
def restore_root_logger() -> object:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_the_event_and_its_fields(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "json", (TOKEN,))
    log = logging.getLogger("bot.test")
    log.info("polled feed %s", f"https://api.telegram.org/bot{TOKEN}/x", extra={"feed_id": 7})
    log.debug("not shown at INFO")
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["level"] == "INFO"
    assert entry["logger"] == "bot.test"
    assert entry["feed_id"] == 7
    assert TOKEN not in lines[0]
    assert "bot***" in entry["message"]


def test_text_lines_put_fields_after_the_message(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("DEBUG", "text")
    logging.getLogger("bot.test").warning("feed failed", extra={"feed_id": 3, "error": "HTTP 404"})
    line = capsys.readouterr().err.strip()
    assert "\n" not in line
    assert line.endswith("WARNING bot.test: feed failed feed_id=3 error=HTTP 404")


def test_tracebacks_are_scrubbed_too(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "json")
    try:
        raise RuntimeError(f"POST /bot{TOKEN}/sendMessage failed")
    except RuntimeError:
        logging.getLogger("bot.test").exception("send failed")
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert "RuntimeError" in json.loads(err)["exc"]
