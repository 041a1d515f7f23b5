"""/settings: every setting with its value, and buttons that say what a tap does (pure).

The main view lists the values; its buttons show the current state and the change a tap
makes ("Link previews: off ▸ turn on"), never only the state you would switch to. Digest
times and time zones have their own views, reached by a button and left by "‹ Back". Button
data is built by `bot.tg.callback_data.setting` and carries the chat the view was built for.
"""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.config import MAX_SUMMARY_SENTENCES
from bot.core.models import ChatSettings
from bot.core.render import escape, zone_label
from bot.core.schedule import chat_zone, parse_digest_times
from bot.i18n import LANGUAGES, current_language
from bot.services.settings import DEFAULT_QUIET_HOURS
from bot.tg import callback_data

# Times offered as buttons (HHMM); any other is one /digest away.
TIME_CHOICES = ("0600", "0700", "0800", "0900", "1200", "1700", "1800", "1900", "2000", "2100")
# The zones offered as buttons; any other by /timezone and a city, zone or offset.
ZONE_CHOICES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Kyiv",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Africa/Lagos",
)


def _button(label: str, name: str, value: str | int, chat_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callback_data.setting(name, value, chat_id))


def _zone(settings: ChatSettings, now: datetime) -> str:
    return f"{settings.timezone} ({zone_label(now, chat_zone(settings.timezone))})"


def _times(settings: ChatSettings) -> str:
    return ", ".join(f"{t:%H:%M}" for t in parse_digest_times(settings.digest_times)) or "—"


def _languages_view(s: ChatSettings) -> tuple[str, InlineKeyboardMarkup]:
    now = current_language()
    buttons = [
        _button((str(texts.CHOSEN) if code == now else "") + name, "lang", i, s.chat_id)
        for i, (code, name) in enumerate(LANGUAGES.items())
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button(str(texts.BACK_BUTTON), "view", "main", s.chat_id)])
    return texts.SETTINGS_LANGUAGES.format(language=LANGUAGES[now]), InlineKeyboardMarkup(rows)


def _quiet(settings: ChatSettings) -> str:
    return settings.quiet_hours.replace("-", "–")


def settings_view(
    settings: ChatSettings, view: str = "main", now: datetime | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The /settings message and keyboard: `main`, `times` or `zones`."""
    now = now or datetime.now(UTC)
    if view == "times":
        return _times_view(settings, now)
    if view == "zones":
        return _zones_view(settings, now)
    if view == "langs":
        return _languages_view(settings)
    delivery = texts.DIGEST_DESCRIPTION[settings.digest_mode].format(
        times=_times(settings), tz=escape(settings.timezone)
    )
    length = texts.DIGEST_LENGTH_DESCRIPTION.get(settings.digest_length, "")
    text = texts.SETTINGS.format(
        sentences=texts.SENTENCES_DESCRIPTION.format(n=settings.summary_sentences),
        previews=texts.ON if settings.link_previews else texts.OFF,
        delivery=delivery,
        digest_length=length,
        silent=texts.SILENT_DESCRIPTION if settings.silent else texts.OFF,
        quiet=texts.QUIET_DESCRIPTION.format(window=_quiet(settings))
        if settings.quiet_hours
        else texts.OFF,
        tz=escape(_zone(settings, now)),
    )
    return text, _main_keyboard(settings)


def _toggle(name: str, now_on: bool) -> str:
    now, then = (str(texts.ON), str(texts.OFF)) if now_on else (str(texts.OFF), str(texts.ON))
    return texts.TOGGLE_BUTTON.format(name=name, now=now, next=then)


def _main_keyboard(s: ChatSettings) -> InlineKeyboardMarkup:
    chat = s.chat_id
    sentences = [
        _button(
            texts.SENTENCES_BUTTON.format(
                mark=texts.CHOSEN if n == s.summary_sentences else "", n=n
            ),
            "sentences",
            n,
            chat,
        )
        for n in range(MAX_SUMMARY_SENTENCES + 1)
    ]
    modes = [
        _button((str(texts.CHOSEN) if m == s.digest_mode else "") + str(label), "digest", m, chat)
        for m, label in texts.MODE_BUTTONS.items()
    ]
    lengths = [
        _button((str(texts.CHOSEN) if n == s.digest_length else "") + str(label), "dlen", n, chat)
        for n, label in texts.LENGTH_BUTTONS.items()
    ]
    on, off = "on", "off"  # callback data, never translated
    quiet = (
        texts.QUIET_OFF_BUTTON.format(window=_quiet(s))
        if s.quiet_hours
        else texts.QUIET_ON_BUTTON.format(window=DEFAULT_QUIET_HOURS.replace("-", "–"))
    )
    rows = [
        sentences,
        [
            _button(
                _toggle(str(texts.PREVIEWS_NAME), s.link_previews),
                "previews",
                off if s.link_previews else on,
                chat,
            )
        ],
        modes,
        [
            _button(str(texts.TIMES_BUTTON), "view", "times", chat),
            _button(
                texts.ZONE_BUTTON.format(tz=s.timezone.rpartition("/")[2].replace("_", " ")),
                "view",
                "zones",
                chat,
            ),
        ],
        lengths,
        [
            _button(
                _toggle(str(texts.SILENT_NAME), s.silent), "silent", off if s.silent else on, chat
            )
        ],
        [_button(quiet, "quiet", "toggle", chat)],
        [
            _button(
                texts.LANGUAGE_BUTTON.format(language=LANGUAGES[current_language()]),
                "view",
                "langs",
                chat,
            )
        ],
    ]
    return InlineKeyboardMarkup(rows)


def _times_view(s: ChatSettings, now: datetime) -> tuple[str, InlineKeyboardMarkup]:
    chosen = (
        {f"{t:%H%M}" for t in parse_digest_times(s.digest_times)}
        if s.digest_mode == "daily"
        else set()
    )
    buttons = [
        _button(
            (str(texts.CHOSEN) if t in chosen else "") + f"{t[:2]}:{t[2:]}", "time", t, s.chat_id
        )
        for t in TIME_CHOICES
    ]
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    rows.append([_button(str(texts.BACK_BUTTON), "view", "main", s.chat_id)])
    times = _times(s) if s.digest_mode == "daily" else str(texts.DIGEST_DESCRIPTION[s.digest_mode])
    text = texts.SETTINGS_TIMES.format(tz=escape(_zone(s, now)), times=escape(times))
    return text, InlineKeyboardMarkup(rows)


def _zones_view(s: ChatSettings, now: datetime) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [
        _button(
            (str(texts.CHOSEN) if z == s.timezone else "")
            + z.rpartition("/")[2].replace("_", " "),
            "tz",
            i,
            s.chat_id,
        )
        for i, z in enumerate(ZONE_CHOICES)
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([_button(str(texts.BACK_BUTTON), "view", "main", s.chat_id)])
    return texts.SETTINGS_ZONES.format(tz=escape(_zone(s, now))), InlineKeyboardMarkup(rows)
