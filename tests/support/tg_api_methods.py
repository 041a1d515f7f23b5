"""The Bot API methods of the stand-in, as a mixin of `BotApiState` (tg_api_state.py).

Each `_api_<method>(params)` returns the call's result or raises `ApiError`; the state it reads
(chats, messages, updates, webhook, commands) is set up by `BotApiState.__init__`.
"""

from __future__ import annotations

import time
from typing import Any

from tests.support.tg_api_checks import (
    MAX_BOT_DOWNLOAD,
    MAX_DESCRIPTION,
    MAX_SHORT_DESCRIPTION,
    NOT_MODIFIED,
    ApiError,
    check_commands,
    check_description,
    check_markup,
    check_preview,
    check_scope,
    commands_key,
    forbidden_text,
    int_param,
    is_loopback_url,
    parse_caption,
    parse_text,
)
from tests.support.tg_updates import chat_type_of, make_chat, make_chat_member, make_user


class BotApiMethods:
    """Bot API methods over the stand-in's state (the lock is an RLock)."""

    # --- methods -------------------------------------------------------------------------

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Digest Test Bot",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self._webhook = {}
            if params.get("drop_pending_updates"):
                self._updates.clear()
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        if url and not (url.startswith("https://") or is_loopback_url(url)):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        with self._lock:
            self._webhook = dict(params) if url else {}
            if params.get("drop_pending_updates"):
                self._updates.clear()
        self.wake_pollers()  # starts webhook delivery
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            info: dict[str, Any] = {
                "url": self._webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
            if self._webhook_error:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
            if self._webhook.get("allowed_updates"):
                info["allowed_updates"] = self._webhook["allowed_updates"]
        return info

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = check_commands(params.get("commands"))
        check_scope(params.get("scope"))
        key = commands_key(params.get("scope"), params.get("language_code", ""))
        with self._lock:
            self._commands[key] = commands
        return True

    def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands(params.get("scope"), params.get("language_code", ""))

    def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        check_scope(params.get("scope"))
        key = commands_key(params.get("scope"), params.get("language_code", ""))
        with self._lock:
            self._commands.pop(key, None)
        return True

    def _api_setMyDescription(self, params: dict[str, Any]) -> bool:
        text = check_description(params, MAX_DESCRIPTION)
        with self._lock:
            self._descriptions[("description", params.get("language_code") or "")] = text
        return True

    def _api_getMyDescription(self, params: dict[str, Any]) -> dict[str, str]:
        return {"description": self.description(params.get("language_code") or "")}

    def _api_setMyShortDescription(self, params: dict[str, Any]) -> bool:
        text = check_description(params, MAX_SHORT_DESCRIPTION)
        with self._lock:
            self._descriptions[("short_description", params.get("language_code") or "")] = text
        return True

    def _api_getMyShortDescription(self, params: dict[str, Any]) -> dict[str, str]:
        language = params.get("language_code") or ""
        return {"short_description": self.description(language, short=True)}

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        text, entities = parse_text(params)
        markup = check_markup(params.get("reply_markup"))
        preview = check_preview(params.get("link_preview_options"))
        thread = params.get("message_thread_id")
        with self._lock:
            self._check_may_post(chat_id)
            self._check_thread(chat_id, thread)
            self._admit(chat_id)
            message_id = self._next_message_id.get(chat_id, 0) + 1
            self._next_message_id[chat_id] = message_id
            message = self._message_json(chat_id, message_id, text, entities, markup)
            self._messages[(chat_id, message_id)] = message
            self._sent_per_chat[chat_id] = self._sent_per_chat.get(chat_id, 0) + 1
            self._sent.append(
                {
                    "chat_id": chat_id,
                    "message_id": message_id,
                    "text": params["text"],
                    "plain_text": text,
                    "parse_mode": params.get("parse_mode"),
                    "reply_markup": markup,
                    "link_preview_options": preview,
                    "disable_web_page_preview": params.get("disable_web_page_preview"),
                    "message_thread_id": thread,
                    "disable_notification": bool(params.get("disable_notification")),
                    "time": time.monotonic(),
                }
            )
        return message

    def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        """An upload (multipart, as PTB sends bytes) or a known file_id, with a caption."""
        chat_id = self._target_chat(params)
        document = params.get("document")
        if isinstance(document, str) and document.startswith("attach://"):
            document = params.get(document.removeprefix("attach://"))
        caption, entities = parse_caption(params)
        markup = check_markup(params.get("reply_markup"))
        thread = params.get("message_thread_id")
        with self._lock:
            self._check_may_post(chat_id)
            self._check_thread(chat_id, thread)
            stored = self._document_file(document)
            self._admit(chat_id)
            message_id = self._next_message_id.get(chat_id, 0) + 1
            self._next_message_id[chat_id] = message_id
            message = self._message_json(chat_id, message_id, "", [], markup)
            del message["text"]
            message["document"] = stored.document()
            if caption:
                message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
            self._messages[(chat_id, message_id)] = message
            self._documents.append(
                {
                    "chat_id": chat_id,
                    "message_id": message_id,
                    "file_id": stored.file_id,
                    "filename": stored.file_name,
                    "data": stored.data,
                    "mime_type": stored.mime_type,
                    "caption": params.get("caption"),
                    "plain_caption": caption,
                    "parse_mode": params.get("parse_mode"),
                    "message_thread_id": thread,
                }
            )
        return message

    def _document_file(self, document: Any) -> Any:
        """The file a sendDocument names: a fresh upload, or one held already (lock held)."""
        if hasattr(document, "data") and hasattr(document, "filename"):
            return self._store_file(document.data, document.filename, document.content_type)
        if isinstance(document, str) and document in self._files:
            return self._files[document]
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        """A held file's path for download; bots may not download more than 20 MB."""
        with self._lock:
            stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.file_size > MAX_BOT_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": f"u-{stored.file_id}",
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    def _check_thread(self, chat_id: int, thread: Any) -> None:
        """A forum's closed or deleted topic refuses messages as Telegram does (lock held)."""
        if thread is None:
            return
        if not isinstance(thread, int) or isinstance(thread, bool):
            raise ApiError(400, "Bad Request: message thread not found")
        info = self._chats.get(chat_id)
        if info is None or not info.topics:
            return  # not a forum: Telegram treats it as a reply thread
        state = info.topics.get(thread, "deleted")
        if state == "closed":
            raise ApiError(400, "Bad Request: TOPIC_CLOSED")
        if state != "open":
            raise ApiError(400, "Bad Request: message thread not found")

    def _check_may_post(self, chat_id: int) -> None:
        """In a channel only administrators with can_post_messages post (lock held)."""
        if self._chat_type(chat_id) != "channel":
            return
        info = self._chats.get(chat_id)
        if info is None or self.bot_id not in info.admins or self.bot_id in info.cannot_post:
            raise ApiError(400, "Bad Request: need administrator rights in the channel chat")

    def _admit(self, chat_id: int) -> None:
        """Apply forced 429s and the flood limits (lock held)."""
        retry_after = self._forced_429.popleft() if self._forced_429 else None
        if retry_after is None:
            private = self._chat_type(chat_id) == "private"
            retry_after = self._gate.admit(chat_id, private, time.monotonic())
        if retry_after is not None:
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        text, entities = parse_text(params)
        markup = check_markup(params.get("reply_markup"))
        with self._lock:
            old = self._existing_message(chat_id, params, "edit")
            same_text = (old["text"], old.get("entities", [])) == (text, entities)
            if same_text and old.get("reply_markup") == markup:
                raise ApiError(400, NOT_MODIFIED)
            message = self._message_json(chat_id, old["message_id"], text, entities, markup)
            message["date"], message["edit_date"] = old["date"], int(time.time())
            self._messages[(chat_id, old["message_id"])] = message
        return message

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        markup = check_markup(params.get("reply_markup"))
        with self._lock:
            old = self._existing_message(chat_id, params, "edit")
            if old.get("reply_markup") == markup:
                raise ApiError(400, NOT_MODIFIED)
            message = {k: v for k, v in old.items() if k != "reply_markup"}
            if markup:
                message["reply_markup"] = markup
            message["edit_date"] = int(time.time())
            self._messages[(chat_id, old["message_id"])] = message
        return message

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        chat_id = self._target_chat(params)
        with self._lock:
            old = self._existing_message(chat_id, params, "delete")
            del self._messages[(chat_id, old["message_id"])]
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query is too old and response timeout expired")
        if len(str(params.get("text") or "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _api_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        """Checks what Telegram checks of an answer: at most 50 results with unique ids of
        1-64 bytes, each article's message text valid and within limits, an offset of at
        most 64 bytes, and one answer per query."""
        query_id = str(params.get("inline_query_id") or "")
        results = params.get("results")
        if not query_id or query_id not in self._inline_queries:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired")
        if not isinstance(results, list) or len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if len(set(ids)) != len(ids) or not all(0 < len(i.encode()) <= 64 for i in ids):
            raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
        for result in results:
            content = result.get("input_message_content") or {}
            if not str(result.get("title") or "").strip():
                raise ApiError(400, "Bad Request: RESULT_TITLE_EMPTY")
            parse_text(
                {"text": content.get("message_text"), "parse_mode": content.get("parse_mode")}
            )
        if len(str(params.get("next_offset") or "").encode()) > 64:
            raise ApiError(400, "Bad Request: NEXT_OFFSET_INVALID")
        with self._lock:
            if query_id in self._inline_answers:
                raise ApiError(400, "Bad Request: QUERY_ID_INVALID")
            self._inline_answers[query_id] = dict(params)
        return True

    def _api_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        with self._lock:
            chat = self._chat_json(chat_id)
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys((*gifts, "gifts_from_channels"), False),
        }

    def _api_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        user_id = int_param(params.get("user_id"), "user_id")
        with self._lock:
            return self._member_json(chat_id, user_id)

    def _api_getChatAdministrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat_id = self._target_chat(params)
        with self._lock:
            if self._chat_type(chat_id) == "private":
                raise ApiError(400, "Bad Request: there are no administrators in the private chat")
            info = self._chats.get(chat_id)
            ids = [] if info is None else [info.creator_id, *info.admins]
            unique = dict.fromkeys(i for i in ids if i is not None)
            return [self._member_json(chat_id, user_id) for user_id in unique]

    def _api_leaveChat(self, params: dict[str, Any]) -> bool:
        chat_id = self._target_chat(params)
        with self._lock:
            self._left.add(chat_id)
        return True

    # --- chats and messages (lock held unless said otherwise) ----------------------------

    def _target_chat(self, params: dict[str, Any]) -> int:
        """The chat_id of a call, or the error Telegram gives for it (takes the lock)."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            with self._lock:
                named = [c for c, i in self._chats.items() if i.username == chat_id[1:]]
            chat_id = named[0] if named else None
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise ApiError(400, "Bad Request: chat not found")
        with self._lock:
            if chat_id in self._migrated:
                raise ApiError(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    migrate_to_chat_id=self._migrated[chat_id],
                )
            if chat_id in self._blocked:
                raise ApiError(403, forbidden_text(self._chat_type(chat_id), blocked=True))
            if chat_id in self._left:
                raise ApiError(403, forbidden_text(self._chat_type(chat_id), blocked=False))
        return chat_id

    def _chat_type(self, chat_id: int) -> str:
        info = self._chats.get(chat_id)
        return info.chat_type if info else chat_type_of(chat_id)

    def _chat_json(self, chat_id: int) -> dict[str, Any]:
        info = self._chats.get(chat_id)
        chat = make_chat(chat_id, self._chat_type(chat_id), info.title if info else None)
        if info is not None and info.username:
            chat["username"] = info.username
        return chat

    def _member_json(self, chat_id: int, user_id: int) -> dict[str, Any]:
        info = self._chats.get(chat_id)
        if user_id == self.bot_id:
            user = self._api_getMe({})
            user = {k: user[k] for k in ("id", "is_bot", "first_name", "username")}
        else:
            user = make_user(user_id)
        status = "member"
        if info is not None and user_id == info.creator_id:
            status = "creator"
        elif info is not None and user_id in info.admins:
            status = "administrator"
        if self._chat_type(chat_id) == "channel" and status == "member":
            status = "left"  # a channel's subscribers are not members the API tells of
        can_post = info is None or user_id not in info.cannot_post
        return make_chat_member(
            user, status, channel=self._chat_type(chat_id) == "channel", can_post=can_post
        )

    def _message_json(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        entities: list[dict[str, Any]],
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": "Digest Test Bot",
                "username": self.bot_username,
            },
            "chat": self._chat_json(chat_id),
            "date": int(time.time()),
            "text": text,
        }
        if entities:
            message["entities"] = entities
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def _existing_message(self, chat_id: int, params: dict[str, Any], verb: str) -> dict:
        message_id = params.get("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = self._messages.get((chat_id, int_param(message_id, "message_id")))
        if message is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        return message


SYNC_METHODS = (
    "getMe",
    "deleteWebhook",
    "setWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "setMyDescription",
    "getMyDescription",
    "setMyShortDescription",
    "getMyShortDescription",
    "sendMessage",
    "sendDocument",
    "getFile",
    "editMessageText",
    "editMessageReplyMarkup",
    "deleteMessage",
    "answerCallbackQuery",
    "answerInlineQuery",
    "getChat",
    "getChatMember",
    "getChatAdministrators",
    "leaveChat",
)
