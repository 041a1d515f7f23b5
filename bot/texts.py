"""Every user-visible string of the bot, in one place.

Strings that end up in Telegram messages are Telegram HTML: placeholders are filled with text
that the caller has already escaped (see `bot.core.render.escape`). Nothing here imports from
`bot`.
"""

from __future__ import annotations

from typing import NamedTuple

# Who sees a command in Telegram's command menu (setMyCommands scopes, see bot.tg.startup).
PRIVATE = "private"  # any private chat
GROUP = "group"  # every member of a group
GROUP_ADMIN = "group_admin"  # a group's administrators
BOT_ADMIN = "bot_admin"  # the bot's administrators ([telegram] admins), in their private chat
EVERYONE = frozenset({PRIVATE, GROUP, GROUP_ADMIN, BOT_ADMIN})
CHANGERS = frozenset({PRIVATE, GROUP_ADMIN, BOT_ADMIN})  # those who may change a chat
PRIVATE_ONLY = frozenset({PRIVATE, BOT_ADMIN})


class Command(NamedTuple):
    """One command: the menus, /help and the README's table all come from (or are checked
    against) `COMMANDS`."""

    name: str
    description: str  # the menu's line: short (a phone shows about 40 characters)
    usage: str  # its arguments, as /help and the README show them
    audience: frozenset[str]


_DIGEST_USAGE = "instant|daily HH:MM[,HH:MM]|off|now"
COMMANDS: tuple[Command, ...] = (
    Command("start", "what I do and how to begin", "", PRIVATE_ONLY),
    Command("help", "every command, one line each", "", EVERYONE),
    Command("subscribe", "add the suggested feeds or any feed", "[URL or name]", CHANGERS),
    Command("unsubscribe", "stop a feed, or all of them", "name|all", CHANGERS),
    Command("feeds", "this chat's feeds and their health", "", EVERYONE),
    Command("import", "add the feeds of an OPML file", "", CHANGERS),
    Command("export", "this chat's feeds as an OPML file", "", EVERYONE),
    Command("latest", "the newest stories, on a topic too", "[N] [topic]", EVERYONE),
    Command("topic", "search the stories of the last week", "<query>", EVERYONE),
    Command("follow", "get a topic's stories from every feed", "<query>", CHANGERS),
    Command("unfollow", "stop following a topic, or all", "query|all", CHANGERS),
    Command("topics", "the topics this chat follows", "", EVERYONE),
    Command("digest", "stories as they come, daily, or off", _DIGEST_USAGE, CHANGERS),
    Command("timezone", "the time zone for digest times", "<city or zone>", CHANGERS),
    Command("quiet", "hold pushes at night", "HH:MM-HH:MM|off", CHANGERS),
    Command("filter", "push only a feed's stories on a topic", "[feed query|feed off]", CHANGERS),
    Command("mute", "never push stories on a topic", "query|off", CHANGERS),
    Command("settings", "length, sound, digest, quiet hours", "", CHANGERS),
    Command("manage", "change a channel or group you run", "[@channel]", PRIVATE_ONLY),
    Command("stats", "bot statistics", "", frozenset({BOT_ADMIN})),
)


def menu(audience: str) -> tuple[Command, ...]:
    """The commands in the menu of `audience` (PRIVATE, GROUP, GROUP_ADMIN or BOT_ADMIN)."""
    return tuple(c for c in COMMANDS if audience in c.audience)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _help_lines(commands: tuple[Command, ...]) -> str:
    return "\n".join(
        f"/{c.name}{' ' + _html(c.usage) if c.usage else ''} – {_html(c.description)}"
        for c in commands
    )


_QUERY_HELP = (
    "\n\n<b>Topic queries</b>\n"
    "Words match their inflections: <code>syria</code> finds Syria, Syrian and Syria's.\n"
    '<code>"exact phrase"</code>, <code>-exclude</code> and <code>a OR b</code> work too.'
)


def help_text(audience: str = PRIVATE) -> str:
    """/help: the commands of the menu `audience` sees; in a group (GROUP or GROUP_ADMIN), the
    members' commands, then those only its administrators may use."""
    if audience not in (GROUP, GROUP_ADMIN):
        return "<b>Commands</b>\n" + _help_lines(menu(audience)) + _QUERY_HELP
    members = menu(GROUP)
    admins = tuple(c for c in menu(GROUP_ADMIN) if c not in members)
    return (
        "<b>Commands</b>\n"
        + _help_lines(members)
        + "\n\n<b>For the group's administrators</b>\n"
        + _help_lines(admins)
        + _QUERY_HELP
    )


HELP = help_text()

UNKNOWN_COMMAND = "I don't know that command. /help lists the ones I know."
ERROR = "Something went wrong; it has been logged."
ADMINS_ONLY = "Only the group's administrators can change this. Anyone may use /latest and /topic."
BOT_ADMINS_ONLY = "Only the bot's administrators can use /stats."

# Channels and groups managed from a private chat (/manage)
MANAGE_PRIVATE_ONLY = "Use /manage in your private chat with me."
MANAGE_PICK = (
    "Pick the channel or group to manage from here. Commands such as /subscribe, /digest and "
    "/settings then change it, until you pick “This private chat” again.\n\n"
    "Not listed? Make me an administrator there, or send <code>/manage @channelname</code>."
)
MANAGE_NONE = (
    "I know no channel or group you added me to. Make me an administrator of your channel "
    "(with the right to post), or send <code>/manage @channelname</code>."
)
MANAGE_THIS_CHAT = "This private chat"
MANAGE_USAGE = "Send /manage to pick a chat, or <code>/manage @channelname</code>."
MANAGE_NOW = "From now on your commands here change <b>{title}</b>. /manage switches back."
MANAGE_BACK = "Your commands here change this private chat again."
MANAGE_NOT_ADMIN = (
    "You are not an administrator of <b>{title}</b>, so you cannot change it. "
    "/manage switches back to this chat."
)
MANAGE_BOT_CANNOT_POST = (
    "I cannot post in <b>{title}</b>: make me an administrator there with the right to post "
    "messages, then try again."
)
MANAGE_UNKNOWN_CHAT = (
    "I cannot find {name}. Use the channel's public @name, or add me there as an "
    "administrator first."
)
MANAGE_ADDED = (
    "I am now an administrator of <b>{title}</b>. Manage it from here: /manage, then "
    "/subscribe, /digest or /settings as in any chat."
)
MANAGE_REMOVED = (
    "I was removed from <b>{title}</b> or may no longer post there, so it gets no more "
    "stories; {count} waiting for it were cancelled."
)
THREAD_GONE = (
    "The forum topic where some of these stories went is closed or deleted, so they come "
    "here from now on. To send them to another topic, /unsubscribe (or /unfollow) and then "
    "/subscribe (or /follow) inside that topic."
)
IN_TOPIC = ' · in <a href="{url}">a forum topic</a>'
IN_TOPIC_PLAIN = " · in a forum topic"
PRIVATE_INSTANCE = (
    "Sorry, this is a private digest-bot: it serves only the people its operator lets in. "
    "Anyone can run one of their own, see https://github.com/digest-bot/digest-bot"
)
UNTITLED = "Untitled story"
INLINE_HOW = "How to search stories"
CHANGED_FOR = "\n\n<i>Changed for: {title}</i>"
SHOWN_FOR = "\n\n<i>For: {title}</i>"
BUTTON_EXPIRED = "This button has expired; run the command again."
BUTTON_OTHER_CHAT = (
    "This button belongs to a chat you are not managing now: run the command again, or "
    "/manage that chat first."
)
PASTED_LINK = "Subscribe this chat to {url}? New stories from it will arrive here."
SUBSCRIBE_BUTTON = "Subscribe"
SEARCH_OFFER = (
    "Search the stories of the last {days} days for <code>{query}</code>? "
    "(<code>/topic {query}</code> does the same; /help lists every command.)"
)
SEARCH_BUTTON = "Search"
PLAIN_TEXT = "I answer commands: /help lists them."
DONE = "Done."

# Subscriptions
SUBSCRIBE_NO_DEFAULTS = (
    "There are no default feeds. Subscribe to one with <code>/subscribe &lt;feed URL&gt;</code>."
)
SUBSCRIBED_DEFAULTS = "Subscribed to {count} default feed(s): {names}."
ALREADY_DEFAULTS = "This chat already follows every default feed. /feeds lists them."
SUBSCRIBED = (
    "Subscribed to <b>{title}</b>. New stories will arrive here; /latest shows recent ones."
)
ALREADY_SUBSCRIBED = "This chat is already subscribed to {title}. /feeds lists its feeds."
NOT_A_URL = (
    "That is neither a feed URL nor a catalogue name. "
    "Use <code>/subscribe https://example.com/feed.xml</code> or a name from the catalogue{names}."
)
NOT_A_FEED = (
    "{url} is not a feed and links to none. "
    "Send the address of an RSS or Atom feed, e.g. <code>/subscribe https://example.com/rss</code>."
)
TOO_MANY_FETCHES = (
    "You have asked me to fetch many addresses in a short time. Try again in {seconds} seconds."
)
URL_TOO_LONG = "That address is longer than {limit} characters, so it is not a feed I can fetch."
FETCH_FAILED = "I could not fetch {url}: {reason}. Check the address and try again."
FEED_LIMIT = (
    "This chat has reached its limit of {limit} feeds. "
    "Remove one with /feeds or /unsubscribe first."
)
UNSUBSCRIBE_USAGE = (
    "Say which feed: <code>/unsubscribe &lt;name or URL&gt;</code>, or "
    "<code>/unsubscribe all</code>. /feeds lists this chat's feeds with remove buttons."
)
NOT_SUBSCRIBED = "This chat is not subscribed to {name}. /feeds lists its feeds."
UNSUBSCRIBED = "Unsubscribed from {name}."
UNSUBSCRIBED_ALL = "Unsubscribed from all {count} feed(s)."
NO_FEEDS = "This chat has no feeds yet. /subscribe adds the default feeds."
FEEDS_HEADER = "<b>This chat's feeds</b> ({count} of {limit})"
FEED_HEALTH = {
    "new": "⏳ not polled yet",
    "ok": "✅ ok",
    "failing": "⚠️ failing",
    "dead": "❌ dead",
}
REMOVE_BUTTON = "Remove {name}"

# Stories
LATEST_USAGE = (
    "Say how many stories, from 1 to {max}, and a topic if you like: <code>/latest 10</code> "
    "or <code>/latest 5 syria</code>."
)
LATEST_ON = "<b>Latest on {query}</b>"
LATEST_HEADER = "<b>Latest stories</b>"
LATEST_HEADER_ALL = "<b>Latest stories from all feeds</b> (this chat has no feeds yet)"
NO_STORIES = "No stories yet. They arrive a few minutes after the first poll of a feed."
NO_MORE_STORIES = "No more stories."
TOPIC_USAGE = (
    'Say what to look for: <code>/topic syria</code> or <code>/topic "climate deal"</code>.'
)
TOPIC_HEADER = "<b>Stories on</b> <code>{query}</code>"
TOPIC_NOTHING = "No story from the last {days} days matches <code>{query}</code>."
PREV_BUTTON = "‹ Prev"
NEXT_BUTTON = "Next ›"
FOLLOW_BUTTON = "Follow this topic"
PAGE = "page {page}"

# Topic queries
QUERY_EMPTY = "The query is empty. Try <code>/topic syria</code>."
QUERY_TOO_LONG = "The query is too long ({length} characters); keep it under {limit}."
QUERY_TOO_MANY_TERMS = "The query has too many words ({count}); use at most {limit}."
QUERY_ONLY_EXCLUSIONS = (
    "A query needs at least one word to look for, not only <code>-exclusions</code>: "
    "<code>/topic syria -football</code>."
)
QUERY_UNBALANCED_QUOTE = (
    'A quote is not closed. Write an exact phrase as <code>"climate deal"</code>.'
)
QUERY_DANGLING_OR = "OR needs a word on each side: <code>/topic syria OR lebanon</code>."

# Topics
FOLLOW_USAGE = "Say which topic: <code>/follow syria</code>. /topics lists this chat's topics."
FOLLOWED = "Following <code>{query}</code>: matching stories from every feed will arrive here."
ALREADY_FOLLOWING = "This chat already follows <code>{query}</code>."
TOPIC_LIMIT = "This chat follows {limit} topics already. Drop one with /unfollow first."
UNFOLLOW_USAGE = (
    "Say which topic: <code>/unfollow &lt;query&gt;</code> or <code>/unfollow all</code>. "
    "/topics lists them."
)
NOT_FOLLOWING = "This chat does not follow <code>{query}</code>. /topics lists its topics."
UNFOLLOWED = "Stopped following <code>{name}</code>."
UNFOLLOWED_ALL = "Stopped following all {count} topic(s)."
NO_TOPICS = "This chat follows no topics. <code>/follow &lt;query&gt;</code> adds one."
TOPICS_HEADER = "<b>Topics this chat follows</b>"

# Digest, time zone, settings
DIGEST_USAGE = (
    "Use <code>/digest instant</code> (each story as it comes), "
    "<code>/digest daily 08:00</code> or <code>/digest daily 08:00,18:30</code> "
    "(one digest at those times), or <code>/digest off</code>."
)
DIGEST_BAD_TIME = (
    "{value} is not a time. Write times like <code>08:00</code>, <code>8am</code> or "
    "<code>20:30</code>, e.g. <code>/digest daily 8am</code>."
)
DIGEST_TOO_MANY_TIMES = "At most {limit} digest times a day."
DIGEST_SET = {
    "instant": "Stories will arrive one by one, as they come.",
    "daily": "A digest will arrive daily at {times} ({tz}).",
    "off": "Digests are off. /latest still shows the newest stories.",
}
TIMEZONE_USAGE = (
    "Give a city, a time zone or an offset: <code>/timezone Berlin</code>, "
    "<code>/timezone America/New_York</code> or <code>/timezone +02:00</code>. "
    "It is currently {tz}."
)
TIMEZONE_UNKNOWN = (
    "{value} is not a time zone I know. Use a city or a zone name like <code>Berlin</code> or "
    "<code>Europe/Berlin</code>, or an offset like <code>+02:00</code>."
)
TIMEZONE_SUGGEST = " Did you mean {names}?"
TIMEZONE_SET = "Time zone set to {tz}."
SETTINGS = (
    "<b>Settings</b>\n"
    "Summary in pushes: {sentences}\n"
    "Link previews: {previews}\n"
    "Delivery: {delivery}\n"
    "Digest shows: {digest_length}\n"
    "Silent pushes: {silent}\n"
    "Quiet hours: {quiet}\n"
    "Time zone: {tz}\n\n"
    "Each button below says what it is now and what a tap does."
)
ON = "on"
OFF = "off"
DIGEST_DESCRIPTION = {
    "instant": "each story as it comes",
    "daily": "a digest at {times} ({tz})",
    "off": "off (nothing is sent)",
}
DIGEST_LENGTH_DESCRIPTION = {
    0: "titles only",
    1: "one line per story",
    2: "two sentences per story",
    3: "three sentences per story",
}
SENTENCES_DESCRIPTION = "{n} sentence(s)"
QUIET_DESCRIPTION = "{window}: stories wait for its end"
SILENT_DESCRIPTION = "on: no sound for pushes"
SENTENCES_BUTTON = "{mark}{n}"
SENTENCES_ROW_HINT = "Summary sentences"
TOGGLE_BUTTON = "{name}: {now} ▸ turn {next}"
MODE_BUTTONS = {"instant": "Instant", "daily": "Daily digest", "off": "Off"}
LENGTH_BUTTONS = {0: "Titles", 1: "One line", 3: "Full"}
TIMES_BUTTON = "Digest times ▸"
ZONE_BUTTON = "Time zone: {tz} ▸"
QUIET_ON_BUTTON = "Quiet hours: off ▸ {window}"
QUIET_OFF_BUTTON = "Quiet hours: {window} ▸ turn off"
BACK_BUTTON = "‹ Back"
CHOSEN = "✓ "
PREVIEWS_NAME = "Link previews"
SILENT_NAME = "Silent pushes"
SETTINGS_TIMES = (
    "<b>Digest times</b> ({tz})\nNow: {times}\n\nTap a time to add or remove it (the chat "
    "switches to a daily digest). Any other time: <code>/digest daily 7:30</code>."
)
SETTINGS_ZONES = (
    "<b>Time zone</b>\nNow: {tz}\n\nTap one, or send <code>/timezone</code> with your city "
    "(<code>/timezone Berlin</code>) or offset (<code>/timezone +02:00</code>); in a private "
    "chat you can also share a location (📎 › Location): only its time zone is kept."
)
SENTENCES_BAD = "Summary length must be 0 to 5 sentences."

# Stats
STATS = (
    "<b>Stats</b>\n"
    "Chats: {chats} ({active} active)\n"
    "Feeds: {feeds} ({ok} ok, {failing} failing, {dead} dead)\n"
    "Stories: {stories} ({stories_fallback} from feed text after a page failed, "
    "{stories_failed} given up)\n"
    "Deliveries: {sent} sent, {pending} pending, {failed} failed\n"
    "Topics followed: {topics}"
)
FAILING_FEEDS = "\n\n<b>Failing feeds</b>\n{lines}"

# Story rendering
ALSO_IN = "also in {names}"
MORE_STORIES = "+{count} more: /latest"

# Pushes and digests as a phone shows them
FOLLOWING = "Following: {query}"
BATCH_HEADER = "<b>{count} new stories</b>"
QUIET_BATCH_HEADER = "<b>{count} from your quiet hours</b>"
DIGEST_HEADER = "<b>{day} · {count}</b>"
DIGEST_CONTINUED = "<i>{day} · continued ({page}/{pages})</i>"
DIGEST_FULL_BUTTON = "Full summaries"
DIGEST_SHORT_BUTTON = "Short list"


def stories_count(count: int) -> str:
    """`1 story`, `8 stories`."""
    return f"{count} story" if count == 1 else f"{count} stories"


QUIET_USAGE = (
    "Use <code>/quiet 23:00-07:00</code> (or <code>/quiet 11pm-7am</code>): stories that "
    "arrive then are held and sent together when the quiet hours end. "
    "<code>/quiet off</code> ends them."
)

# First steps: the bot's profile, the menus, /start and deep links, a group's greeting
BOT_DESCRIPTION = (
    "I turn news feeds into short summaries and send them to your chat: each story as it "
    "comes, or a daily digest. Take the feeds I suggest or add any site's feed, search the "
    "news of the last week, and follow a topic to get its stories from every feed. I work in "
    "private chats, groups and channels."
)
BOT_SHORT_DESCRIPTION = (
    "Short summaries of news feeds, as they come or in a daily digest. Search and follow topics."
)
START = (
    "Hello! I turn news feeds into short summaries in this chat.\n\n"
    "{feeds}\n"
    "• /latest shows the newest stories, <code>/topic &lt;query&gt;</code> searches them.\n"
    "• Follow a topic below, or <code>/follow &lt;query&gt;</code>: its stories come from "
    "every feed.\n"
    "• In a private chat, you can also just send me a link to a site or feed.\n\n"
    "/help lists every command."
)
START_FEEDS = (
    "• Suggested feeds: {names}. Tap Subscribe to get them here, or send "
    "<code>/subscribe &lt;feed URL&gt;</code> for any other."
)
START_MORE_FEEDS = " and {count} more"
START_NO_FEEDS = "• <code>/subscribe &lt;feed URL&gt;</code> adds a feed."
START_SUBSCRIBE_BUTTON = "Subscribe to the suggested feeds"
START_FOLLOW_BUTTON = "Follow {topic}"
START_TOPICS = ("climate", "elections", "football")  # example topics under /start
START_LINK_UNKNOWN = "\n\n<i>I did not understand the link that brought you here.</i>"
GROUP_GREETING = (
    "Hello! I post short summaries of news feeds here. The group's administrators choose "
    "the feeds and settings (/subscribe, /digest, /settings); anyone may use /latest and "
    "/topic. /help lists the commands."
)

# Asking before removing, and undo
CONFIRM_UNSUBSCRIBE_ALL = "Unsubscribe this chat from all {count} feed(s)?"
CONFIRM_UNFOLLOW_ALL = "Stop following all {count} topic(s) in this chat?"
CONFIRM_REMOVE_FEED = "Unsubscribe this chat from <b>{name}</b>?"
YES_BUTTON = "Yes, remove"
CANCEL_BUTTON = "Cancel"
UNDO_BUTTON = "Undo"
NOTHING_CHANGED = "Nothing was removed."
NOTHING_TO_REMOVE = "There is nothing left to remove."
UNDO_EXPIRED = "Too late to undo: that was more than a minute ago."
UNDONE_FEEDS = "Undone: {count} feed(s) are back. /feeds lists them."
UNDONE_TOPICS = "Undone: {count} topic(s) are followed again. /topics lists them."
QUIET_NOW = "Quiet hours: {window}."
QUIET_SET = (
    "Quiet hours are {window} ({tz}): stories that arrive then wait, and come as one message "
    "when they end. <code>/quiet off</code> ends them."
)
QUIET_OFF = "Quiet hours are off: stories come as they arrive."
DIGEST_NOW = "Sending what was waiting ({count}) in a moment."
DIGEST_NOTHING = (
    "Nothing is waiting for this chat: every story has been sent. /latest shows the newest."
)
TIMEZONE_FROM_LOCATION = (
    "Time zone set to {tz} from the location you shared (the location itself is not kept). "
    "Not right? <code>/timezone</code> and your city."
)
LOCATION_NO_ZONE = "I cannot tell the time zone of that place: use /timezone and your city."

# Filters: what a subscription lets through, what a chat never gets
FILTER_USAGE = (
    "Use <code>/filter &lt;feed&gt; &lt;query&gt;</code> to push only that feed's stories "
    'matching the query (as in /topic: words, <code>"a phrase"</code>, <code>-exclude</code>, '
    "<code>a OR b</code>), e.g. <code>/filter 1 syria -football</code>, and "
    "<code>/filter &lt;feed&gt; off</code> to end it. The feed is its number or name in /feeds."
)
FILTER_SET = (
    "Stories of {feed} now come here only when they match <code>{query}</code> "
    "(/latest and /topic still show everything)."
)
FILTER_OFF = "Every story of {feed} comes here again."
FILTER_NONE = "No feed here has a filter. " + FILTER_USAGE
FILTER_LIST = "<b>Filters</b>\n{lines}"
FILTER_LINE = "{n}. {feed}: <code>{query}</code>"
FILTER_SHOWN = " · only <code>{query}</code>"
FILTER_BUTTON = "Filter {name}"
FILTER_HELP = (
    "<b>{feed}</b>: {state}\n\nSend <code>/filter {n} &lt;query&gt;</code> to keep only the "
    "stories that match it, e.g. <code>/filter {n} syria -football</code>."
)
FILTER_STATE_ALL = "every story is pushed"
FILTER_STATE = "only stories matching <code>{query}</code> are pushed"
FILTER_CLEAR_BUTTON = "Push every story again"
MUTE_USAGE = (
    "Use <code>/mute &lt;query&gt;</code>: stories matching it are never pushed here, from any "
    "feed or topic (/latest and /topic still show them), e.g. <code>/mute football OR "
    "cricket</code>. <code>/mute off</code> ends it."
)
MUTE_NOW = "Muted here: <code>{query}</code>. <code>/mute off</code> ends it."
MUTE_SET = "Stories matching <code>{query}</code> are never pushed here now."
MUTE_OFF = "Nothing is muted here."

# OPML in chat: /import and /export (#15)
OPML_TOO_BIG = (
    "That file is larger than {limit}, far more than a list of feeds. Send a smaller one."
)
OPML_NOT_XML = "That file is not valid XML, so it is not an OPML list of feeds."
OPML_DTD = (
    "That file declares a DTD or entities, which I do not read: they can hide harmful content. "
    "Export the list again without them."
)
OPML_NOT_OPML = "That file is XML but not an OPML list of feeds."
OPML_TOO_MANY = "That file lists {count} feeds; I import at most {limit} from one file."
# Why one feed of an import failed, in a few words (`UserError.reason`)
WHY_NOT_A_URL = "not a feed address"
WHY_NOT_A_FEED = "not a feed, and links to none"
WHY_BLOCKED = "blocked address (private or local network)"
WHY_UNREACHABLE = "unreachable: {reason}"
WHY_TOO_MANY_FETCHES = "not tried: too many fetches; send the file again in {seconds} s"
WHY_LIMIT = "over this chat's limit of {limit} feeds"
WHY_OUT_OF_TIME = "not tried: the import ran out of time; send the file again"
WHY_OTHER = "could not be added"
IMPORT_SEND_FILE = (
    "Send me the OPML file (<code>.opml</code> or <code>.xml</code>, up to {limit}) that your "
    "feed reader exported, as a file. Its feeds will be added to this chat."
)
IMPORT_SUMMARY = (
    "<b>Imported from {file}</b>\n"
    "Imported: {imported}\n"
    "Already subscribed: {existing}\n"
    "Failed: {failed}"
)
IMPORT_FAILED_LINE = "• {url} – {reason}"
IMPORT_FAILED_MORE = "… and {count} more"
IMPORT_EMPTY = "That OPML file lists no feeds (no outline has an <code>xmlUrl</code>)."
IMPORT_NEXT = "\n\n/feeds lists this chat's feeds."
EXPORT_CAPTION = "This chat's {count} feed(s) as OPML: /import it here or in any feed reader."
