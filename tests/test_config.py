"""Loading and validating settings; the token never leaks."""

from __future__ import annotations

import dataclasses
import logging
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.cli.logs import ScrubFilter, scrub
from bot.config import (
    SECTIONS,
    Config,
    TelegramConfig,
    load_config,
    read_config,
    require_token,
    starter_catalogue,
)
from bot.errors import ConfigError
from tests.support.paths import REPO

ROOT = REPO
TOKEN = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0"


def test_defaults_need_no_file() -> None:
    config = load_config("", {})
    assert config.storage.url == "sqlite:///data/digest-bot.sqlite3"
    assert config.telegram.api_url == "https://api.telegram.org/bot"
    assert config.poll.interval_s == 600
    assert config.summary.sentences == 3
    assert config.fetch.allow_private_networks is False


@pytest.mark.parametrize(
    ("api_url", "file_url"),
    [
        ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
        ("http://127.0.0.1:8081/bot/", "http://127.0.0.1:8081/file/bot"),
        ("https://tg.example/api/bot{token}", "https://tg.example/api/file/bot{token}"),
    ],
)
def test_files_are_downloaded_beside_the_api(api_url: str, file_url: str) -> None:
    assert TelegramConfig(api_url=api_url).file_url == file_url


def test_example_file_loads_and_equals_the_defaults() -> None:
    text = (ROOT / "config.example.toml").read_text()
    assert load_config(text, {}) == Config(feeds=starter_catalogue())


def test_every_setting_is_documented_in_the_example_and_back() -> None:
    example = tomllib.loads((ROOT / "config.example.toml").read_text())
    for name, cls in SECTIONS.items():
        documented = set(example.get(name, {}))
        fields = {f.name for f in dataclasses.fields(cls)}
        assert documented == fields, name
    assert set(example) == set(SECTIONS)


def test_environment_wins_for_token_and_database() -> None:
    text = '[telegram]\ntoken = "1:file"\n[storage]\nurl = "sqlite:///x.db"\n'
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "postgresql://u@localhost/db"}
    config = load_config(text, env)
    assert config.telegram.token == TOKEN
    assert config.storage.url == "postgresql://u@localhost/db"


def test_catalogue_feeds() -> None:
    text = """
[[feeds]]
url = "https://example.org/rss"
name = "example"
default = true

[[feeds]]
url = "https://example.net/atom"
name = "net"
"""
    feeds = load_config(text, {}).feeds
    assert [(f.name, f.default) for f in feeds] == [("example", True), ("net", False)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[poll]\ninterval_s = 'ten'", "poll.interval_s must be a whole number"),
        ("[poll]\ninterval_s = 5", "poll.interval_s must be between 60"),
        ("[summary]\nsentences = 9", "summary.sentences must be between 0 and 5"),
        ("[fetch]\nallow_private_networks = 'yes'", "fetch.allow_private_networks must be true"),
        ("[telegram]\napi_url = 'ftp://x'", "telegram.api_url must be an http"),
        ("[telegram]\nadmins = ['me']", "telegram.admins[0] must be a whole number"),
        ("[telegram]\ntokn = 'x'", "unknown key telegram.tokn"),
        ("[pol]\ninterval_s = 60", "unknown section or key [pol]"),
        ("[storage]\nurl = 'mysql://x'", "storage.url (or DATABASE_URL) must start with"),
        ("[storage]\nkeep_text_days = -1", "storage.keep_text_days must be between 0"),
        ("[[feeds]]\nname = 'x'", "feeds[0].url is missing"),
        ("[[feeds]]\nurl = 'file:///etc/passwd'\nname = 'x'", "feeds[0].url must be an http"),
        ("[log]\nformat = 'xml'", "log.format must be 'text' or 'json'"),
        ("[poll\n", "is not valid TOML"),
    ],
)
def test_bad_values_name_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(text, {})
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        read_config(tmp_path / "nope.toml", {})


def test_missing_token_tells_how_to_get_one() -> None:
    with pytest.raises(ConfigError, match="@BotFather"):
        require_token(load_config("", {}))
    assert require_token(load_config("", {"TELEGRAM_BOT_TOKEN": TOKEN})) == TOKEN


def test_token_is_not_in_repr() -> None:
    config = load_config("", {"TELEGRAM_BOT_TOKEN": TOKEN})
    assert TOKEN not in repr(config)


def test_scrub_removes_tokens_from_log_records(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.scrub")
    logger.addFilter(ScrubFilter((TOKEN,)))
    with caplog.at_level(logging.INFO, logger="test.scrub"):
        logger.info("GET https://api.telegram.org/bot%s/getMe", TOKEN)
        try:
            raise RuntimeError(f"failed at /bot{TOKEN}/sendMessage")
        except RuntimeError:
            logger.exception("boom")
    assert TOKEN not in caplog.text
    assert "***" in caplog.text
    assert scrub(f"x {TOKEN} y") == "x *** y"


def test_cli_config_error_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[telegram]\ntoken = "{TOKEN}"\n[poll]\ninterval_s = "x"\n')
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(bad), "db", "upgrade"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "digest-bot: poll.interval_s must be a whole number, not 'x'"
    ]
    assert TOKEN not in result.stderr + result.stdout


def test_cli_help_lists_subcommands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("run", "poll", "latest", "summarize", "feeds", "opml", "db", "status"):
        assert f"    {command} " in result.stdout


def test_cli_db_upgrade_creates_the_sqlite_file(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "schema at revision" in result.stdout
    assert (tmp_path / "data" / "digest-bot.sqlite3").exists()


def test_without_feeds_the_starter_catalogue_is_used() -> None:
    feeds = load_config("", {}).feeds
    assert 15 <= len(feeds) <= 25
    assert len({f.name for f in feeds}) == len(feeds)
    assert {f.language for f in feeds} >= {"en", "de", "fr", "es"}
    defaults = [f for f in feeds if f.default]
    assert 3 <= len(defaults) <= 6
    assert len({f.url.split("/")[2] for f in defaults}) == len(defaults)  # several outlets
    assert all(f.url.startswith("https://") and f.title for f in feeds)


def test_the_starter_catalogue_can_be_switched_off_or_replaced(tmp_path: Path) -> None:
    assert load_config("[catalogue]\nbuiltin = false\n", {}).feeds == ()
    own = tmp_path / "mine.toml"
    own.write_text('[[feeds]]\nurl = "https://a.example/rss"\nname = "a"\ndefault = true\n')
    config = load_config(f'[catalogue]\nfile = "{own}"\n', {})
    assert [(f.name, f.default) for f in config.feeds] == [("a", True)]
    listed = load_config('[[feeds]]\nurl = "https://b.example/rss"\nname = "b"\n', {})
    assert [f.name for f in listed.feeds] == ["b"]  # the config's own list wins
    with pytest.raises(ConfigError, match=r"catalogue\.file"):
        load_config(f'[catalogue]\nfile = "{tmp_path / "absent.toml"}"\n', {})


def test_containers_set_the_readiness_server_from_the_environment() -> None:
    env = {"DIGEST_BOT_HEALTH_PORT": "8080", "DIGEST_BOT_HEALTH_HOST": "0.0.0.0"}
    health = load_config("", env).health
    assert (health.host, health.port) == ("0.0.0.0", 8080)
    with pytest.raises(ConfigError, match="DIGEST_BOT_HEALTH_PORT"):
        load_config("", {"DIGEST_BOT_HEALTH_PORT": "eighty"})


def test_the_container_files_run_the_bot_with_a_healthcheck() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["digest-bot"]' in dockerfile
    assert 'CMD ["run"]' in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert "USER 10001" in dockerfile  # not root
    assert 'VOLUME ["/data"]' in dockerfile
    compose = (ROOT / "compose.yaml").read_text()
    assert "image: postgres:16" in compose
    assert "DATABASE_URL: postgresql://digest:digest@postgres:5432/digest" in compose
