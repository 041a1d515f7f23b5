"""Typed settings, loaded from one TOML file and the environment.

`load_config(text, environ)` is pure; `read_config(path, environ)` reads the file. Every key is
documented, with its default, in `config.example.toml`. A bad value raises `ConfigError` whose
message names the key, the value and what is wrong, in one sentence. The token never appears in
any message.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from bot.errors import ConfigError
from bot.i18n import LANGUAGES

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite:///data/digest-bot.sqlite3"
DEFAULT_CONFIG_PATH = "config.toml"
MAX_SUMMARY_SENTENCES = 5  # the longest summary a chat may ask for (and the one stored)

_Section = TypeVar("_Section", bound="DataclassInstance")


@dataclass(frozen=True)
class TelegramConfig:
    """How the bot reaches Telegram."""

    token: str = field(default="", repr=False)
    api_url: str = DEFAULT_API_URL
    admins: tuple[int, ...] = ()
    webhook_url: str = ""
    webhook_port: int = 8443
    webhook_secret: str = field(default="", repr=False)
    max_feeds_per_chat: int = 50
    max_topics_per_chat: int = 20
    request_timeout_s: float = 30.0
    connections: int = 256  # most Bot API connections open at once (sends in flight, replies)
    allowed_users: tuple[int, ...] = ()  # a private instance: only these users (empty: anyone)
    allowed_chats: tuple[int, ...] = ()  # and these chats (groups an allowed user adds are too)
    log_chat: int = 0  # a chat that gets the operator's notices; 0: none
    default_language: str = "en"  # groups, channels and users whose language is not shipped

    @property
    def file_url(self) -> str:
        """Where files are downloaded from: the Bot API serves them beside its methods, as
        `.../file/bot<token>/<path>` next to `.../bot<token>/<method>` (PTB's base_file_url)."""
        root, _, last = self.api_url.rstrip("/").rpartition("/")
        return f"{root}/file/{last}"


@dataclass(frozen=True)
class StorageConfig:
    """Where the bot keeps its state."""

    url: str = DEFAULT_DATABASE_URL
    keep_text_days: int = 14  # then only title, summary and keywords stay; 0 keeps it all


@dataclass(frozen=True)
class FetchConfig:
    """How feeds and article pages are fetched."""

    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    total_timeout_s: float = 30.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    user_agent: str = "digest-bot/0.1 (+https://github.com/digest-bot/digest-bot)"
    allow_private_networks: bool = False
    max_concurrency: int = 20
    per_host_concurrency: int = 2
    fetch_pages: bool = True


@dataclass(frozen=True)
class PollConfig:
    """When feeds are polled."""

    interval_s: int = 600
    min_interval_s: int = 60
    max_backoff_s: int = 21_600
    jitter_s: int = 30
    tick_s: int = 15
    dead_after_s: int = 259_200
    first_poll_items: int = 3
    max_page_fetches: int = 50  # story pages fetched per feed per poll; the rest use feed text


@dataclass(frozen=True)
class SummaryConfig:
    """How summaries are written."""

    sentences: int = 3
    max_chars: int = 600
    keywords: int = 3  # names and noun phrases kept per story (tags and search)
    workers: int = 0  # processes that extract and summarise; 0 means one per core
    story_timeout_s: float = 5.0  # a story's budget in a worker, then feed text stands in


@dataclass(frozen=True)
class DeliveryConfig:
    """How messages are paced and retried."""

    global_per_s: float = 29.0
    private_per_s: float = 1.0
    group_per_min: float = 20.0
    max_attempts: int = 8
    retry_base_s: float = 2.0
    instant_window_s: float = 5.0
    digest_max_stories: int = 20
    sender_tick_s: float = 1.0


@dataclass(frozen=True)
class LogConfig:
    """What the bot logs and how."""

    level: str = "INFO"
    format: str = "text"


@dataclass(frozen=True)
class HealthConfig:
    """The readiness endpoint; port 0 turns it off."""

    host: str = "127.0.0.1"
    port: int = 0


@dataclass(frozen=True)
class CatalogueFeed:
    """A feed the operator offers to every chat."""

    url: str
    name: str
    default: bool = False
    title: str = ""  # its display name ("BBC News – World"); the name is what /subscribe takes
    language: str = ""  # the feed's language, as an ISO 639-1 code


@dataclass(frozen=True)
class CatalogueConfig:
    """Where the catalogue comes from when the config lists no [[feeds]]."""

    builtin: bool = True  # the starter catalogue shipped in the package (bot/data)
    file: str = ""  # or a TOML file of [[feeds]] tables to use instead


@dataclass(frozen=True)
class Config:
    """All settings of one bot."""

    telegram: TelegramConfig = TelegramConfig()
    storage: StorageConfig = StorageConfig()
    fetch: FetchConfig = FetchConfig()
    poll: PollConfig = PollConfig()
    summary: SummaryConfig = SummaryConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    log: LogConfig = LogConfig()
    health: HealthConfig = HealthConfig()
    catalogue: CatalogueConfig = CatalogueConfig()
    feeds: tuple[CatalogueFeed, ...] = ()


SECTIONS: dict[str, type] = {
    "telegram": TelegramConfig,
    "storage": StorageConfig,
    "fetch": FetchConfig,
    "poll": PollConfig,
    "summary": SummaryConfig,
    "delivery": DeliveryConfig,
    "log": LogConfig,
    "health": HealthConfig,
    "catalogue": CatalogueConfig,
}


def read_config(path: str | Path | None, environ: Mapping[str, str]) -> Config:
    """Read the TOML file at `path` (or the usual places) and load it.

    The file is looked up as `path`, else `$DIGEST_BOT_CONFIG`, else `./config.toml`. A missing
    file named explicitly is an error; a missing `./config.toml` gives the defaults.
    """
    explicit = path or environ.get("DIGEST_BOT_CONFIG")
    target = Path(explicit) if explicit else Path(DEFAULT_CONFIG_PATH)
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"config file {str(target)!r} does not exist") from None
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {str(target)!r} cannot be read: {exc}") from None
    return load_config(text, environ, source=str(target))


def load_config(text: str, environ: Mapping[str, str], source: str = "config") -> Config:
    """Parse TOML `text`, apply environment overrides and validate everything."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(SECTIONS) - {"feeds"})
    if unknown:
        raise ConfigError(f"unknown section or key [{unknown[0]}] in {source}")
    config = Config(
        telegram=_load_section(data, "telegram", TelegramConfig),
        storage=_load_section(data, "storage", StorageConfig),
        fetch=_load_section(data, "fetch", FetchConfig),
        poll=_load_section(data, "poll", PollConfig),
        summary=_load_section(data, "summary", SummaryConfig),
        delivery=_load_section(data, "delivery", DeliveryConfig),
        log=_load_section(data, "log", LogConfig),
        health=_load_section(data, "health", HealthConfig),
        catalogue=_load_section(data, "catalogue", CatalogueConfig),
        feeds=_load_feeds(data.get("feeds", [])),
    )
    if not config.feeds and config.catalogue.builtin:
        config = dataclasses.replace(config, feeds=starter_catalogue(config.catalogue.file))
    config = _apply_environ(config, environ)
    _validate(config)
    return config


def _load_section(data: dict[str, Any], name: str, cls: type[_Section]) -> _Section:
    """Load the table `name` of `data` (absent means all defaults) as a `cls`."""
    raw = data.get(name, {})
    if not isinstance(raw, dict):
        raise ConfigError(f"[{name}] must be a table, not {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    values: dict[str, object] = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"unknown key {name}.{key}")
        values[key] = _coerce(f"{name}.{key}", value, hints[key])
    return cls(**values)


def _coerce(key: str, value: object, hint: object) -> object:
    """Check `value` against the annotation `hint`; return it in the field's type."""
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{key} must be true or false, not {value!r}")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{key} must be a whole number, not {value!r}")
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{key} must be a number, not {value!r}")
    if hint is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{key} must be a string, not {value!r}")
    origin = typing.get_origin(hint)
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{key} must be a list, not {value!r}")
        (item_hint, _) = typing.get_args(hint)
        return tuple(_coerce(f"{key}[{i}]", item, item_hint) for i, item in enumerate(value))
    if isinstance(hint, types.UnionType):  # pragma: no cover - no optional settings yet
        return value
    raise ConfigError(f"{key} has an unsupported type")  # pragma: no cover


def starter_catalogue(path: str = "") -> tuple[CatalogueFeed, ...]:
    """The catalogue used when the config lists no [[feeds]]: the package's, or `path`'s."""
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"catalogue.file {path!r} cannot be read: {exc}") from None
    else:
        text = resources.files("bot").joinpath("data", "catalogue.toml").read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the catalogue {path or 'bot/data'} is not valid TOML: {exc}") from None
    return _load_feeds(data.get("feeds", []))


def _load_feeds(raw: object) -> tuple[CatalogueFeed, ...]:
    if not isinstance(raw, list):
        raise ConfigError("[[feeds]] must be an array of tables, each with url and name")
    feeds = []
    names: set[str] = set()
    for i, item in enumerate(raw):
        key = f"feeds[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{key} must be a table with url and name")
        extra = sorted(set(item) - {"url", "name", "default", "title", "language"})
        if extra:
            raise ConfigError(f"unknown key {key}.{extra[0]}")
        for required in ("url", "name"):
            if required not in item:
                raise ConfigError(f"{key}.{required} is missing")
        url = str(_coerce(f"{key}.url", item["url"], str))
        name = str(_coerce(f"{key}.name", item["name"], str)).strip()
        default = bool(_coerce(f"{key}.default", item.get("default", False), bool))
        title = str(_coerce(f"{key}.title", item.get("title", ""), str)).strip()
        language = str(_coerce(f"{key}.language", item.get("language", ""), str)).strip()
        _check_http_url(f"{key}.url", url)
        if not name:
            raise ConfigError(f"{key}.name must not be empty")
        if name.lower() in names:
            raise ConfigError(f"{key}.name {name!r} is used by another feed")
        names.add(name.lower())
        feeds.append(CatalogueFeed(url, name, default, title, language))
    return tuple(feeds)


def _apply_environ(config: Config, environ: Mapping[str, str]) -> Config:
    """Let the environment win for secrets and deployment-specific values."""
    telegram = config.telegram
    if environ.get("TELEGRAM_BOT_TOKEN"):
        telegram = dataclasses.replace(telegram, token=environ["TELEGRAM_BOT_TOKEN"].strip())
    if environ.get("PORT") and telegram.webhook_url:
        port = environ["PORT"]
        if not port.isdigit():
            raise ConfigError(f"PORT must be a port number, not {port!r}")
        telegram = dataclasses.replace(telegram, webhook_port=int(port))
    storage = config.storage
    if environ.get("DATABASE_URL"):
        storage = dataclasses.replace(storage, url=environ["DATABASE_URL"].strip())
    health = config.health
    if environ.get("DIGEST_BOT_HEALTH_PORT"):  # containers: the readiness server's port
        port = environ["DIGEST_BOT_HEALTH_PORT"].strip()
        if not port.isdigit():
            raise ConfigError(f"DIGEST_BOT_HEALTH_PORT must be a port number, not {port!r}")
        health = dataclasses.replace(health, port=int(port))
    if environ.get("DIGEST_BOT_HEALTH_HOST"):
        health = dataclasses.replace(health, host=environ["DIGEST_BOT_HEALTH_HOST"].strip())
    return dataclasses.replace(config, telegram=telegram, storage=storage, health=health)


def _validate(config: Config) -> None:
    _check_http_url("telegram.api_url", config.telegram.api_url)
    if config.telegram.webhook_url:
        _check_http_url("telegram.webhook_url", config.telegram.webhook_url)
    _check_range("telegram.webhook_port", config.telegram.webhook_port, 1, 65535)
    _check_range("telegram.max_feeds_per_chat", config.telegram.max_feeds_per_chat, 1, 1000)
    _check_range("telegram.max_topics_per_chat", config.telegram.max_topics_per_chat, 1, 1000)
    _check_positive("telegram.request_timeout_s", config.telegram.request_timeout_s)
    _check_range("telegram.connections", config.telegram.connections, 1, 10_000)
    if config.telegram.default_language not in LANGUAGES:
        raise ConfigError(
            f"telegram.default_language must be one of {', '.join(LANGUAGES)}, "
            f"not {config.telegram.default_language!r}"
        )
    _check_storage_url(config.storage.url)
    _check_range("storage.keep_text_days", config.storage.keep_text_days, 0, 36_500)
    for name in ("connect_timeout_s", "read_timeout_s", "total_timeout_s"):
        _check_positive(f"fetch.{name}", getattr(config.fetch, name))
    _check_range("fetch.max_bytes", config.fetch.max_bytes, 1024, 1_000_000_000)
    _check_range("fetch.max_redirects", config.fetch.max_redirects, 0, 20)
    _check_range("fetch.max_concurrency", config.fetch.max_concurrency, 1, 1000)
    _check_range("fetch.per_host_concurrency", config.fetch.per_host_concurrency, 1, 100)
    if not config.fetch.user_agent.strip():
        raise ConfigError("fetch.user_agent must not be empty")
    _check_range("poll.min_interval_s", config.poll.min_interval_s, 1, 86_400)
    _check_range("poll.interval_s", config.poll.interval_s, config.poll.min_interval_s, 604_800)
    _check_range("poll.max_backoff_s", config.poll.max_backoff_s, 1, 604_800 * 4)
    _check_range("poll.jitter_s", config.poll.jitter_s, 0, 3600)
    _check_range("poll.tick_s", config.poll.tick_s, 1, 3600)
    _check_range("poll.dead_after_s", config.poll.dead_after_s, 60, 604_800 * 52)
    _check_range("poll.first_poll_items", config.poll.first_poll_items, 0, 1000)
    _check_range("poll.max_page_fetches", config.poll.max_page_fetches, 0, 10_000)
    _check_range("summary.sentences", config.summary.sentences, 0, MAX_SUMMARY_SENTENCES)
    _check_range("summary.max_chars", config.summary.max_chars, 100, 3000)
    _check_range("summary.keywords", config.summary.keywords, 0, 20)
    _check_range("summary.workers", config.summary.workers, 0, 64)
    _check_positive("summary.story_timeout_s", config.summary.story_timeout_s)
    for name in ("global_per_s", "private_per_s", "group_per_min", "retry_base_s"):
        _check_positive(f"delivery.{name}", getattr(config.delivery, name))
    _check_range("delivery.max_attempts", config.delivery.max_attempts, 1, 100)
    _check_range("delivery.digest_max_stories", config.delivery.digest_max_stories, 1, 100)
    if config.delivery.instant_window_s < 0:
        raise ConfigError("delivery.instant_window_s must not be negative")
    _check_positive("delivery.sender_tick_s", config.delivery.sender_tick_s)
    if config.log.level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError(
            "log.level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, "
            f"not {config.log.level!r}"
        )
    if config.log.format not in {"text", "json"}:
        raise ConfigError(f"log.format must be 'text' or 'json', not {config.log.format!r}")
    _check_range("health.port", config.health.port, 0, 65535)


def _check_range(key: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ConfigError(f"{key} must be between {low} and {high}, not {value}")


def _check_positive(key: str, value: float) -> None:
    if value <= 0:
        raise ConfigError(f"{key} must be greater than 0, not {value}")


def _check_http_url(key: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"{key} must be an http:// or https:// URL, not {url!r}")


def _check_storage_url(url: str) -> None:
    scheme = url.split(":", 1)[0].lower()
    if not (scheme.startswith("sqlite") or scheme.startswith("postgres")):
        raise ConfigError(
            "storage.url (or DATABASE_URL) must start with sqlite:/// or postgresql://, "
            f"not {_redact_url(url)!r}"
        )


def _redact_url(url: str) -> str:
    """Hide a password in a database URL."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(parts.password, "***")
    return url


def require_token(config: Config) -> str:
    """Return the bot token, or raise the one-sentence error that tells how to get one."""
    token = config.telegram.token
    if not token:
        raise ConfigError(
            "no Telegram bot token: create a bot with @BotFather in Telegram, then set "
            'TELEGRAM_BOT_TOKEN=<token> in the environment or token = "<token>" under '
            "[telegram] in config.toml"
        )
    if ":" not in token or " " in token:
        raise ConfigError("telegram.token (or TELEGRAM_BOT_TOKEN) does not look like a bot token")
    return token
