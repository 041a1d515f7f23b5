"""Factories for Bot API Update dicts, shaped like what Telegram sends (PTB's make_command_update).

Chat kind follows the id, as in Telegram: positive ids are private chats, ids from
-1000000000000 down are supergroups, other negative ids are basic groups. Pass `chat_type`
to override (e.g. "channel"). Feed the dicts to `BotApiStandIn.push_update()` or to
`telegram.Update.de_json(d, bot)` for `application.process_update()`.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from tests.support.tg_html import utf16_len

BOT_TOKEN = "123456789:TEST-digest-bot-token"
BOT_ID = 123456789
BOT_USERNAME = "digest_test_bot"
USER_ID = 1001
PRIVATE_CHAT_ID = USER_ID
GROUP_CHAT_ID = -4001
SUPERGROUP_CHAT_ID = -1001000000001

_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
)
_update_ids = itertools.count(1)
_message_ids = itertools.count(1)
_callback_ids = itertools.count(1)


def chat_type_of(chat_id: int) -> str:
    """The chat type Telegram's id ranges imply."""
    if chat_id > 0:
        return "private"
    return "supergroup" if chat_id <= -1_000_000_000_000 else "group"


def make_user(user_id: int = USER_ID, first_name: str | None = None, **extra: Any) -> dict:
    """A User dict (a person unless is_bot=True is passed)."""
    user = {"id": user_id, "is_bot": False, "first_name": first_name or f"User{user_id}"}
    return {**user, **extra}


def make_bot_user(bot_id: int = BOT_ID, username: str = BOT_USERNAME) -> dict:
    """The bot's own User dict."""
    return {"id": bot_id, "is_bot": True, "first_name": "Digest Test Bot", "username": username}


def make_chat(chat_id: int, chat_type: str | None = None, title: str | None = None) -> dict:
    """A Chat dict; private chats carry a first_name, others a title."""
    kind = chat_type or chat_type_of(chat_id)
    if kind == "private":
        return {"id": chat_id, "type": kind, "first_name": f"User{chat_id}"}
    return {"id": chat_id, "type": kind, "title": title or f"Test {kind} {chat_id}"}


def make_message(
    text: str,
    *,
    chat_id: int = PRIVATE_CHAT_ID,
    user_id: int = USER_ID,
    chat_type: str | None = None,
    message_id: int | None = None,
    date: int | None = None,
    from_user: dict | None = None,
    thread_id: int | None = None,
) -> dict:
    """A text Message dict; a leading `/command` gets its bot_command entity like Telegram's.

    With `thread_id`, a message inside that forum topic (`is_topic_message`).
    """
    message: dict[str, Any] = {
        "message_id": message_id if message_id is not None else next(_message_ids),
        "date": date if date is not None else int(time.time()),
        "chat": make_chat(chat_id, chat_type),
        "from": from_user or make_user(user_id),
        "text": text,
    }
    if thread_id is not None:
        message.update(message_thread_id=thread_id, is_topic_message=True)
        message["chat"]["is_forum"] = True
    if text.startswith("/") and len(text) > 1:
        command = text.split(maxsplit=1)[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
    return message


def message_update(text: str, *, update_id: int | None = None, **message: Any) -> dict:
    """An Update with a text message (see make_message for the keyword arguments)."""
    return _update({"message": make_message(text, **message)}, update_id)


def command_update(
    command: str,
    args: str = "",
    *,
    bot_username: str | None = None,
    update_id: int | None = None,
    **message: Any,
) -> dict:
    """An Update for `/command args`, or `/command@bot_username args` when a name is given."""
    text = "/" + command.lstrip("/") + (f"@{bot_username}" if bot_username else "")
    if args:
        text += " " + args
    return message_update(text, update_id=update_id, **message)


def make_document(
    file_id: str,
    file_name: str | None = "feeds.opml",
    mime_type: str | None = "text/x-opml",
    file_size: int | None = None,
) -> dict:
    """A Document dict as a message carries it (file_name, mime_type, file_size optional)."""
    document: dict[str, Any] = {"file_id": file_id, "file_unique_id": f"u-{file_id}"}
    optional = {"file_name": file_name, "mime_type": mime_type, "file_size": file_size}
    document.update({k: v for k, v in optional.items() if v is not None})
    return document


def document_update(
    document: dict, *, caption: str = "", update_id: int | None = None, **message: Any
) -> dict:
    """An Update with a message carrying `document` (see make_document, or the dict
    `BotApiStandIn.add_file` returns) and an optional caption; a caption `/command` gets its
    bot_command entity like Telegram's. Other keywords as for make_message."""
    body = make_message(caption or "-", **message)
    del body["text"]
    body.pop("entities", None)
    body["document"] = document
    if caption:
        body["caption"] = caption
    if caption.startswith("/") and len(caption) > 1:
        command = caption.split(maxsplit=1)[0]
        body["caption_entities"] = [
            {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
        ]
    return _update({"message": body}, update_id)


def inline_query_update(
    query: str,
    *,
    offset: str = "",
    user_id: int = USER_ID,
    query_id: str | None = None,
    update_id: int | None = None,
) -> dict:
    """An Update for `@bot query` typed in some chat."""
    inline = {
        "id": query_id or str(next(_callback_ids)),
        "from": make_user(user_id),
        "query": query,
        "offset": offset,
        "chat_type": "sender",
    }
    return _update({"inline_query": inline}, update_id)


def channel_post_update(
    text: str, *, chat_id: int, title: str | None = None, update_id: int | None = None
) -> dict:
    """An Update with a post in a channel: no sender, the channel as `sender_chat`."""
    message = make_message(text, chat_id=chat_id, chat_type="channel")
    del message["from"]
    message["chat"] = make_chat(chat_id, "channel", title)
    message["sender_chat"] = message["chat"]
    return _update({"channel_post": message}, update_id)


def callback_query_update(
    data: str,
    *,
    chat_id: int = PRIVATE_CHAT_ID,
    user_id: int = USER_ID,
    message_id: int = 1,
    message_text: str = "Message with buttons",
    callback_id: str | None = None,
    bot_id: int = BOT_ID,
    update_id: int | None = None,
) -> dict:
    """An Update for a press on an inline button of a message the bot sent."""
    message = make_message(
        message_text, chat_id=chat_id, message_id=message_id, from_user=make_bot_user(bot_id)
    )
    query = {
        "id": callback_id or str(next(_callback_ids)),
        "from": make_user(user_id),
        "message": message,
        "chat_instance": str(abs(chat_id)),
        "data": data,
    }
    return _update({"callback_query": query}, update_id)


def my_chat_member_update(
    chat_id: int,
    *,
    new_status: str = "member",
    old_status: str = "left",
    user_id: int = USER_ID,
    chat_type: str | None = None,
    title: str | None = None,
    can_post: bool = True,
    bot_id: int = BOT_ID,
    bot_username: str = BOT_USERNAME,
    date: int | None = None,
    update_id: int | None = None,
) -> dict:
    """An Update telling that the bot's status in a chat changed (added, kicked, blocked)."""
    bot = make_bot_user(bot_id, bot_username)
    channel = chat_type == "channel"
    member = {
        "chat": make_chat(chat_id, chat_type, title),
        "from": make_user(user_id),
        "date": date if date is not None else int(time.time()),
        "old_chat_member": make_chat_member(bot, old_status, channel=channel),
        "new_chat_member": make_chat_member(bot, new_status, channel=channel, can_post=can_post),
    }
    return _update({"my_chat_member": member}, update_id)


def make_chat_member(
    user: dict, status: str, *, channel: bool = False, can_post: bool = True
) -> dict:
    """A ChatMember dict in the Bot API shape of its status (creator, administrator, member...).

    A channel administrator also carries `can_post_messages` and `can_edit_messages`.
    """
    member: dict[str, Any] = {"user": user, "status": status}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(dict.fromkeys(_ADMIN_RIGHTS, True), can_be_edited=False, is_anonymous=False)
        if channel:
            member.update(can_post_messages=can_post, can_edit_messages=True)
    elif status == "kicked":
        member["until_date"] = 0
    return member


def _update(body: dict, update_id: int | None) -> dict:
    """An Update dict with the given update_id, or the next one of this process."""
    return {"update_id": next(_update_ids) if update_id is None else update_id, **body}
