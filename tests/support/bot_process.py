"""Runs the real `digest-bot run` (what the Procfile runs) as a subprocess, for e2e tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from bot.clock import CLOCK_OFFSET_ENV
from tests.support.tg_updates import BOT_TOKEN

CONSOLE_SCRIPT = Path(sys.executable).with_name("digest-bot")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(
    path: Path,
    *,
    api_url: str,
    database_url: str,
    feeds: list[dict],
    health_port: int = 0,
    summary: dict[str, float] | None = None,
    jitter_s: float = 0,
) -> Path:
    """Write a config for a fast, loopback-only bot: short poll and send intervals."""
    lines = [
        "[telegram]",
        f'api_url = "{api_url}"',
        "admins = [1001]",
        "request_timeout_s = 5.0",
        "[storage]",
        f'url = "{database_url}"',
        "[fetch]",
        "allow_private_networks = true",
        "connect_timeout_s = 2.0",
        "read_timeout_s = 3.0",
        "total_timeout_s = 5.0",
        "[poll]",
        "interval_s = 2",
        "min_interval_s = 1",
        "tick_s = 1",
        f"jitter_s = {jitter_s}",
        "[delivery]",
        "sender_tick_s = 0.2",
        "instant_window_s = 0.5",
        "retry_base_s = 0.5",
        "max_attempts = 50",
        "[summary]",
        *(f"{key} = {value}" for key, value in (summary or {}).items()),
        "[log]",
        'level = "INFO"',
        "[health]",
        f"port = {health_port}",
    ]
    lines += ["[catalogue]", "builtin = false"]  # tests never reach the starter catalogue
    for feed in feeds:
        lines += ["[[feeds]]", f'url = "{feed["url"]}"', f'name = "{feed["name"]}"']
        lines.append(f"default = {'true' if feed.get('default') else 'false'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class BotProcess:
    """One `digest-bot run --config PATH [ARGS]` process, its log in a file."""

    def __init__(
        self,
        config: Path,
        log_path: Path,
        cwd: Path,
        *,
        clock_offset_s: float = 0.0,
        args: tuple[str, ...] = (),
    ) -> None:
        self.config = config
        self.args = args
        self.log_path = log_path
        self.cwd = cwd
        self.clock_offset_s = clock_offset_s  # the bot's clock runs this far ahead of ours
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> BotProcess:
        """Start the bot with the test token in its environment."""
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "PYTHONUNBUFFERED": "1",
            CLOCK_OFFSET_ENV: str(self.clock_offset_s),
        }
        env.pop("DATABASE_URL", None)
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [str(CONSOLE_SCRIPT), "--config", str(self.config), "run", *self.args],
            cwd=self.cwd,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Send `sig` and wait for the exit status."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(5)
            raise AssertionError(f"bot did not stop within {timeout}s\n{self.log()}") from None
        finally:
            if self._log:
                self._log.close()
        return code

    def alive(self) -> bool:
        """True while the process runs."""
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        """Everything the bot logged so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def wait_until(
    condition: Callable[[], object], timeout: float, what: str, bot: BotProcess | None = None
) -> None:
    """Poll `condition()` until true; fail with `what` and the bot's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if bot is not None and not bot.alive():
            raise AssertionError(f"bot exited while waiting for {what}\n{bot.log()}")
        time.sleep(0.1)
    log = bot.log()[-6000:] if bot else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{log}")
