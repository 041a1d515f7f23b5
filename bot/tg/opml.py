"""/import and /export: OPML files in chat (#15).

A file is imported when it comes with `/import` as its caption, when its sender said /import
in this chat before, or when it is an `.opml` file sent alone in a private chat; any other
document is left alone. Only those who may change the chat import (as for /subscribe, and a
chat managed from a private chat works the same); anyone may export, as anyone may see /feeds.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest

from bot import texts
from bot.core.opml import MAX_OPML_BYTES
from bot.core.render import escape, split_messages
from bot.errors import UserError
from bot.services.opml import ImportReport, export_opml, import_opml
from bot.tg.manage import acts_on_chat, target_id, target_thread
from bot.tg.replies import Context, noted, reply, replying, send, update_chat_id, update_user_id

EXPORT_FILENAME = "digest-bot-feeds.opml"
SIZE_LIMIT = "1 MB"  # MAX_OPML_BYTES, as the texts say it
FAILED_SHOWN = 15  # failed feeds listed one by one; the rest are counted
_URL_SHOWN = 80  # characters of a failed feed's URL in the summary


@replying
@acts_on_chat(change=True)
async def import_command(update: Update, context: Context) -> None:
    """/import: the next file this user sends in this chat is read as OPML."""
    context.bot_data.import_waiting.put(_waiting_key(update), None)
    await reply(update, context, texts.IMPORT_SEND_FILE.format(limit=SIZE_LIMIT))


@replying
@acts_on_chat(change=False)
async def export_command(update: Update, context: Context) -> None:
    """/export: this chat's feeds as an OPML 2.0 file."""
    document, count = await export_opml(context.service, target_id(update, context))
    if not count:
        raise UserError(texts.NO_FEEDS)
    message = update.effective_message
    thread = message.message_thread_id if message and message.is_topic_message else None
    caption = "".join(noted(context, [texts.EXPORT_CAPTION.format(count=count)]))
    await context.bot.send_document(
        update_chat_id(update),
        document.encode(),
        filename=EXPORT_FILENAME,
        caption=caption,
        parse_mode=ParseMode.HTML,
        message_thread_id=thread,
    )


async def document_message(update: Update, context: Context) -> None:
    """A document: imported when it is meant as OPML (see the module docstring)."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    words = (message.caption or "").split()
    captioned = bool(words) and _is_import(words[0], context.bot.username or "")
    waiting = _waiting_key(update) in context.bot_data.import_waiting
    name = (message.document.file_name or "").lower()
    private_opml = message.chat.type == ChatType.PRIVATE and name.endswith(".opml")
    if not (captioned or waiting or private_opml):
        return
    context.bot_data.import_waiting.pop(_waiting_key(update))
    context.args = words[1:] if captioned else []  # `/import @channel` as a caption
    await _import_document(update, context)


@replying
@acts_on_chat(change=True)
async def _import_document(update: Update, context: Context) -> None:
    """Check the file's size, download it, import it, and reply with one summary."""
    message = update.effective_message
    assert message is not None
    document = message.document
    assert document is not None
    if document.file_size is not None and document.file_size > MAX_OPML_BYTES:
        raise UserError(texts.OPML_TOO_BIG.format(limit=SIZE_LIMIT))  # not even downloaded
    try:
        file = await context.bot.get_file(document.file_id)
    except BadRequest as exc:  # "file is too big": over the 20 MB bots may download
        if "too big" not in str(exc).lower():
            raise
        raise UserError(texts.OPML_TOO_BIG.format(limit=SIZE_LIMIT)) from None
    data = bytes(await file.download_as_bytearray())  # parse_opml refuses it above 1 MB
    report = await import_opml(
        context.service,
        target_id(update, context),
        data,
        update_user_id(update),
        target_thread(update, context),
    )
    summary = import_summary(report, document.file_name or "the file")
    await send(update, context, split_messages([summary]))  # one message, cut if need be


def import_summary(report: ImportReport, file_name: str) -> str:
    """The one reply to an import: the counts, then each failed feed with why."""
    lines = [
        texts.IMPORT_SUMMARY.format(
            file=escape(file_name[:100]),
            imported=report.imported,
            existing=report.existing,
            failed=len(report.failed),
        )
    ]
    for url, reason in report.failed[:FAILED_SHOWN]:
        shown = url if len(url) <= _URL_SHOWN else url[: _URL_SHOWN - 1] + "…"
        lines.append(texts.IMPORT_FAILED_LINE.format(url=escape(shown), reason=reason))
    if len(report.failed) > FAILED_SHOWN:
        lines.append(texts.IMPORT_FAILED_MORE.format(count=len(report.failed) - FAILED_SHOWN))
    return "\n".join(lines) + str(texts.IMPORT_NEXT)


def _is_import(word: str, bot_username: str) -> bool:
    """True for `/import` and `/import@this_bot` (any case)."""
    command, _, addressed = word.lower().partition("@")
    return command == "/import" and addressed in ("", bot_username.lower())


def _waiting_key(update: Update) -> tuple[int, int | None]:
    """Whose file in which chat an /import waits for."""
    return update_chat_id(update), update_user_id(update)
