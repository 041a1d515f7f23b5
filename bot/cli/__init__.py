"""The `digest-bot` command line: parses a subcommand, loads config, calls the right module.

Each subcommand names a `module:function` that takes `(args, config)` and returns an exit
status; modules are imported only when their command runs, so `summarize` never loads Telegram.
Expected failures (`BotError`) print one line to stderr; a config error exits with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bot import __version__
from bot.cli.logs import scrub, setup_logging
from bot.config import Config, read_config
from bot.errors import BotError, ConfigError

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace, Config], int]


_CONFIG_HELP = "TOML config file (default: $DIGEST_BOT_CONFIG, else ./config.toml)"
# Every subcommand takes --config too (`digest-bot run --config x.toml`); SUPPRESS keeps a
# --config given before the subcommand when none follows it.
_CONFIG_AFTER = argparse.ArgumentParser(add_help=False)
_CONFIG_AFTER.add_argument(
    "--config", metavar="PATH", default=argparse.SUPPRESS, help=_CONFIG_HELP
)


def _add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, **kw: Any
) -> argparse.ArgumentParser:
    """A subcommand (or action) that also takes --config after its name."""
    return sub.add_parser(name, parents=[_CONFIG_AFTER], **kw)


def build_parser() -> argparse.ArgumentParser:
    """The parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="digest-bot",
        description="A Telegram bot that turns news feeds into short, readable digests.",
    )
    parser.add_argument("--version", action="version", version=f"digest-bot {__version__}")
    parser.add_argument("--config", metavar="PATH", help=_CONFIG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = _add(sub, "run", help="run the bot (long polling, or a webhook if configured)")
    run.add_argument(
        "--no-updates",
        action="store_true",
        help="receive no updates: only poll, enrich and send (an extra process sharing a "
        "PostgreSQL store with the one that receives them)",
    )
    run.set_defaults(handler="bot.app:run_command")

    poll = _add(sub, "poll", help="poll the feeds that are due and store new stories")
    poll.add_argument("--once", action="store_true", help="run one pass over all feeds and exit")
    poll.set_defaults(handler="bot.cli.feeds:poll_command")

    latest = _add(sub, "latest", help="print the newest stories in the store")
    latest.add_argument("--topic", metavar="QUERY", help="only stories matching this query")
    latest.add_argument("--limit", type=int, default=10, metavar="N", help="how many (default 10)")
    latest.add_argument("--json", action="store_true", help="one JSON object per line")
    latest.set_defaults(handler="bot.cli.stories:latest_command")

    summarize = _add(
        sub, "summarize", help="summarise article pages or text files (no token, no database)"
    )
    summarize.add_argument("inputs", nargs="+", metavar="URL|FILE|-", help="what to summarise")
    summarize.add_argument("--sentences", type=int, default=None, metavar="N", help="0-5")
    summarize.add_argument("--json", action="store_true", help="one JSON object per line")
    summarize.set_defaults(handler="bot.cli.summarize:summarize_command")

    feeds = _add(sub, "feeds", help="manage the feeds the bot polls")
    feeds_sub = feeds.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)
    feeds_add = _add(feeds_sub, "add", help="add a feed by URL")
    feeds_add.add_argument("url")
    feeds_add.add_argument("--name", help="catalogue name (makes it part of the catalogue)")
    feeds_add.add_argument("--default", action="store_true", help="part of /subscribe's defaults")
    _add(feeds_sub, "list", help="list feeds with their health")
    feeds_remove = _add(feeds_sub, "remove", help="remove a feed by URL, name or id")
    feeds_remove.add_argument("feed")
    feeds.set_defaults(handler="bot.cli.feeds:feeds_command")

    opml = _add(sub, "opml", help="import or export feeds as OPML")
    opml_sub = opml.add_subparsers(dest="opml_command", metavar="ACTION", required=True)
    opml_import = _add(opml_sub, "import", help="add the feeds of an OPML file")
    opml_import.add_argument("file", help="OPML file, or - for standard input")
    opml_export = _add(opml_sub, "export", help="write every feed as OPML")
    opml_export.add_argument("file", nargs="?", default="-", help="output file (default: stdout)")
    opml.set_defaults(handler="bot.cli.feeds:opml_command")

    db = _add(sub, "db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    _add(db_sub, "upgrade", help="apply pending schema migrations")
    _add(db_sub, "current", help="print the schema revision")
    db.set_defaults(handler="bot.cli:db_command")

    status = _add(sub, "status", help="check that the store is reachable and up to date")
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    status.set_defaults(handler="bot.cli.stories:status_command")
    return parser


def db_command(args: argparse.Namespace, config: Config) -> int:
    """`digest-bot db upgrade|current`."""
    from bot.store.engine import Store
    from bot.store.migrate import current_revision, head_revision

    store = Store(config.storage.url)
    try:
        if args.db_command == "upgrade":
            store.upgrade()
        print(f"schema at revision {current_revision(store.engine)} (head {head_revision()})")
    finally:
        store.close()
    return 0


def _resolve(handler: str) -> Handler:
    module_name, _, attr = handler.partition(":")
    module = importlib.import_module(module_name)
    func: Handler = getattr(module, attr)
    return func


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `digest-bot` console script and of `python -m bot`."""
    args = build_parser().parse_args(argv)
    secrets: tuple[str, ...] = ()
    try:
        config = read_config(args.config, os.environ)
        secrets = (config.telegram.token, config.telegram.webhook_secret)
        setup_logging(config.log.level, config.log.format, secrets)
        return _resolve(args.handler)(args, config)
    except ConfigError as exc:
        print(f"digest-bot: {scrub(str(exc), secrets)}", file=sys.stderr)
        return 2
    except BotError as exc:
        print(f"digest-bot: {scrub(str(exc), secrets)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # anything else: one scrubbed line, never a raw traceback
        return unexpected_error(exc, secrets)


def unexpected_error(exc: Exception, secrets: tuple[str, ...]) -> int:
    """Log an unexpected error through the scrubbing filter; say one line; exit status 1.

    The traceback goes to the log, scrubbed like every record, so the error can be found.
    """
    if not logging.getLogger().handlers:
        setup_logging("WARNING", "text", secrets)
    summary = scrub(f"{exc.__class__.__name__}: {exc}", secrets)[:500]
    log.error("digest-bot stopped by an unexpected error", exc_info=exc)
    print(f"digest-bot: stopped by an unexpected error ({summary})", file=sys.stderr)
    return 1
