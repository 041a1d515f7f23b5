"""Waiting for the Bot API at start-up: real PTB against the stand-in on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import telegram

from bot.errors import ConfigError
from bot.tg.startup import BAD_TOKEN, wait_for_bot_api
from tests.support.bot_process import CONSOLE_SCRIPT, free_port, write_config
from tests.support.tg_api import BotApiStandIn
from tests.support.tg_updates import BOT_TOKEN


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as standin:
        yield standin


@pytest.fixture
async def bot(api: BotApiStandIn) -> AsyncIterator[telegram.Bot]:
    ptb = telegram.Bot(api.token, base_url=api.base_url)
    await ptb.request.initialize()
    yield ptb
    await ptb.request.shutdown()


async def test_unreachable_api_is_retried_with_backoff_until_it_answers(
    api: BotApiStandIn, bot: telegram.Bot, caplog: pytest.LogCaptureFixture
) -> None:
    await asyncio.to_thread(api.pause, refuse=True)  # connections refused
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            await asyncio.to_thread(api.resume)

    with caplog.at_level(logging.WARNING, logger="bot.tg.startup"):
        me = await wait_for_bot_api(bot, first_delay_s=1, max_delay_s=3, sleep=sleep)
    assert me.username == api.bot_username
    assert waits == [1, 2, 3]  # doubling, capped
    assert len(caplog.records) == 3
    assert "not reachable" in caplog.records[0].getMessage()
    assert api.token not in caplog.text


async def test_bad_gateway_is_retried(api: BotApiStandIn, bot: telegram.Bot) -> None:
    api.fail_next(2, 502, method="getMe")
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    assert (await wait_for_bot_api(bot, sleep=sleep)).id == api.bot_id
    assert waits == [1, 2]
    assert [c.status for c in api.calls_of("getMe")] == [502, 502, 200]


async def test_refused_token_is_a_config_error_not_a_retry(api: BotApiStandIn) -> None:
    wrong = telegram.Bot("123:wrong", base_url=api.base_url)
    await wrong.request.initialize()
    try:
        with pytest.raises(ConfigError, match="refused the bot token"):
            await wait_for_bot_api(wrong)
    finally:
        await wrong.request.shutdown()
    assert [c.status for c in api.calls_of("getMe")] == [401]
    assert "@BotFather" in BAD_TOKEN


def _run_bot(config: Path, token: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": token}
    return subprocess.run(
        [str(CONSOLE_SCRIPT), "--config", str(config), "run"],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env=env,
        check=False,
    )


def test_run_with_a_refused_token_says_so_and_exits_2(api: BotApiStandIn, tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "config.toml",
        api_url=api.base_url,
        database_url=f"sqlite:///{tmp_path}/bot.sqlite3",
        feeds=[],
    )
    result = _run_bot(config, "123:refused-token", 60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"digest-bot: {BAD_TOKEN}"
    assert "Traceback" not in result.stderr
    assert "refused-token" not in result.stderr


def test_run_waits_for_an_unreachable_api_instead_of_crashing(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(
        tmp_path / "config.toml",
        api_url=f"http://127.0.0.1:{port}/bot",
        database_url=f"sqlite:///{tmp_path}/bot.sqlite3",
        feeds=[],
    )
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": BOT_TOKEN}
    command = [str(CONSOLE_SCRIPT), "--config", str(config), "run"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    ) as bot:
        assert bot.stdout is not None
        lines = []
        watchdog = threading.Timer(60, bot.kill)  # a bot that logs nothing cannot hang the run
        watchdog.start()
        try:  # nothing listens: it must log and keep waiting, not exit (however slow its start)
            for line in bot.stdout:
                lines.append(line)
                if "Telegram Bot API not reachable" in line:
                    break
            assert bot.poll() is None, "".join(lines)  # still running: waiting, not crashed
        finally:
            watchdog.cancel()
            bot.kill()
    output = "".join(lines)
    assert "Telegram Bot API not reachable" in output
    assert "Traceback" not in output


@pytest.mark.parametrize("status", [400, 409])
def test_run_refused_at_start_prints_one_line_and_no_token(
    api: BotApiStandIn, tmp_path: Path, status: int
) -> None:
    """A 400/409 from getMe used to end in a raw traceback with the whole token in it."""
    api.fail_next(1, status, method="getMe")
    config = write_config(
        tmp_path / "config.toml",
        api_url=api.base_url,
        database_url=f"sqlite:///{tmp_path}/bot.sqlite3",
        feeds=[],
    )
    result = _run_bot(config, BOT_TOKEN, 60)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("digest-bot: Telegram refused to start the bot: "), lines
    assert "Traceback" not in result.stderr
    assert BOT_TOKEN not in result.stderr
    assert BOT_TOKEN.split(":")[1] not in result.stderr
