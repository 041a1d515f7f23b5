"""Every user-visible string of the bot, in one place.

Each text is a `bot.i18n.Msg` (or `Plural`): its English wording is the msgid of the gettext
catalogues in `bot/locales`, and `str()` or `.format()` give it in the current chat's language.
Texts that end up in Telegram messages are Telegram HTML: placeholders are filled with text
that the caller has already escaped (see `bot.core.render.escape`). Nothing here imports from
`bot` but `bot.i18n`.
"""

from __future__ import annotations

from typing import NamedTuple

from bot.i18n import Msg, Plural

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
    description: Msg  # the menu's line: short (a phone shows about 40 characters)
    usage: Msg | None  # its arguments, as /help and the README show them
    audience: frozenset[str]


_DIGEST_USAGE = Msg("instant|daily HH:MM[,HH:MM]|off|now")
COMMANDS: tuple[Command, ...] = (
    Command("start", Msg("what I do and how to begin"), None, PRIVATE_ONLY),
    Command("help", Msg("every command, one line each"), None, EVERYONE),
    Command(
        "subscribe", Msg("add the suggested feeds or any feed"), Msg("[URL or name]"), CHANGERS
    ),
    Command("unsubscribe", Msg("stop a feed, or all of them"), Msg("name|all"), CHANGERS),
    Command("feeds", Msg("this chat's feeds and their health"), None, EVERYONE),
    Command("import", Msg("add the feeds of an OPML file"), None, CHANGERS),
    Command("export", Msg("this chat's feeds as an OPML file"), None, EVERYONE),
    Command("latest", Msg("the newest stories, on a topic too"), Msg("[N] [topic]"), EVERYONE),
    Command("topic", Msg("search the stories of the last week"), Msg("<query>"), EVERYONE),
    Command("follow", Msg("get a topic's stories from every feed"), Msg("<query>"), CHANGERS),
    Command("unfollow", Msg("stop following a topic, or all"), Msg("query|all"), CHANGERS),
    Command("topics", Msg("the topics this chat follows"), None, EVERYONE),
    Command("digest", Msg("stories as they come, daily, or off"), _DIGEST_USAGE, CHANGERS),
    Command("timezone", Msg("the time zone for digest times"), Msg("<city or zone>"), CHANGERS),
    Command("quiet", Msg("hold pushes at night"), Msg("HH:MM-HH:MM|off"), CHANGERS),
    Command(
        "filter",
        Msg("push only a feed's stories on a topic"),
        Msg("[feed query|feed off]"),
        CHANGERS,
    ),
    Command("mute", Msg("never push stories on a topic"), Msg("query|off"), CHANGERS),
    Command("settings", Msg("length, sound, digest, quiet hours"), None, CHANGERS),
    Command("language", Msg("the language I answer in"), None, CHANGERS),
    Command("manage", Msg("change a channel or group you run"), Msg("[@channel]"), PRIVATE_ONLY),
    Command("stats", Msg("bot statistics"), None, frozenset({BOT_ADMIN})),
)


def menu(audience: str) -> tuple[Command, ...]:
    """The commands in the menu of `audience` (PRIVATE, GROUP, GROUP_ADMIN or BOT_ADMIN)."""
    return tuple(c for c in COMMANDS if audience in c.audience)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _help_lines(commands: tuple[Command, ...]) -> str:
    return "\n".join(
        f"/{c.name}{' ' + _html(str(c.usage)) if c.usage else ''} – {_html(str(c.description))}"
        for c in commands
    )


COMMANDS_HEADER = Msg("<b>Commands</b>")
GROUP_ADMINS_HEADER = Msg("<b>For the group's administrators</b>")
QUERY_HELP = Msg(
    "<b>Topic queries</b>\n"
    "Words match their inflections: <code>syria</code> finds Syria, Syrian and Syria's.\n"
    '<code>"exact phrase"</code>, <code>-exclude</code> and <code>a OR b</code> work too.'
)


def help_text(audience: str = PRIVATE) -> str:
    """/help: the commands of the menu `audience` sees; in a group (GROUP or GROUP_ADMIN), the
    members' commands, then those only its administrators may use."""
    if audience not in (GROUP, GROUP_ADMIN):
        return f"{COMMANDS_HEADER}\n{_help_lines(menu(audience))}\n\n{QUERY_HELP}"
    members = menu(GROUP)
    admins = tuple(c for c in menu(GROUP_ADMIN) if c not in members)
    return (
        f"{COMMANDS_HEADER}\n{_help_lines(members)}\n\n"
        f"{GROUP_ADMINS_HEADER}\n{_help_lines(admins)}\n\n{QUERY_HELP}"
    )


UNKNOWN_COMMAND = Msg("I don't know that command. /help lists the ones I know.")
ERROR = Msg("Something went wrong; it has been logged.")
ADMINS_ONLY = Msg(
    "Only the group's administrators can change this. Anyone may use /latest and /topic."
)
BOT_ADMINS_ONLY = Msg("Only the bot's administrators can use /stats.")

# Channels and groups managed from a private chat (/manage)
MANAGE_PRIVATE_ONLY = Msg("Use /manage in your private chat with me.")
MANAGE_PICK = Msg(
    "Pick the channel or group to manage from here. Commands such as /subscribe, /digest and "
    "/settings then change it, until you pick “This private chat” again.\n\n"
    "Not listed? Make me an administrator there, or send <code>/manage @channelname</code>."
)
MANAGE_NONE = Msg(
    "I know no channel or group you added me to. Make me an administrator of your channel "
    "(with the right to post), or send <code>/manage @channelname</code>."
)
MANAGE_THIS_CHAT = Msg("This private chat")
MANAGE_USAGE = Msg("Send /manage to pick a chat, or <code>/manage @channelname</code>.")
MANAGE_NOW = Msg("From now on your commands here change <b>{title}</b>. /manage switches back.")
MANAGE_BACK = Msg("Your commands here change this private chat again.")
MANAGE_NOT_ADMIN = Msg(
    "You are not an administrator of <b>{title}</b>, so you cannot change it. "
    "/manage switches back to this chat."
)
MANAGE_BOT_CANNOT_POST = Msg(
    "I cannot post in <b>{title}</b>: make me an administrator there with the right to post "
    "messages, then try again."
)
MANAGE_UNKNOWN_CHAT = Msg(
    "I cannot find {name}. Use the channel's public @name, or add me there as an "
    "administrator first."
)
MANAGE_ADDED = Msg(
    "I am now an administrator of <b>{title}</b>. Manage it from here: /manage, then "
    "/subscribe, /digest or /settings as in any chat."
)
MANAGE_REMOVED = Msg(
    "I was removed from <b>{title}</b> or may no longer post there, so it gets no more "
    "stories; {count} waiting for it were cancelled."
)
THREAD_GONE = Msg(
    "The forum topic where some of these stories went is closed or deleted, so they come "
    "here from now on. To send them to another topic, /unsubscribe (or /unfollow) and then "
    "/subscribe (or /follow) inside that topic."
)
IN_TOPIC = Msg(' · in <a href="{url}">a forum topic</a>')
IN_TOPIC_PLAIN = Msg(" · in a forum topic")
PRIVATE_INSTANCE = Msg(
    "Sorry, this is a private digest-bot: it serves only the people its operator lets in. "
    "Anyone can run one of their own, see https://github.com/digest-bot/digest-bot"
)
UNTITLED = Msg("Untitled story")
INLINE_HOW = Msg("How to search stories")
CHANGED_FOR = Msg("\n\n<i>Changed for: {title}</i>")
SHOWN_FOR = Msg("\n\n<i>For: {title}</i>")
BUTTON_EXPIRED = Msg("This button has expired; run the command again.")
BUTTON_OTHER_CHAT = Msg(
    "This button belongs to a chat you are not managing now: run the command again, or "
    "/manage that chat first."
)
PASTED_LINK = Msg("Subscribe this chat to {url}? New stories from it will arrive here.")
SUBSCRIBE_BUTTON = Msg("Subscribe")
SEARCH_OFFER = Msg(
    "Search the stories of the last {days} days for <code>{query}</code>? "
    "(<code>/topic {query}</code> does the same; /help lists every command.)"
)
SEARCH_BUTTON = Msg("Search")
PLAIN_TEXT = Msg("I answer commands: /help lists them.")
DONE = Msg("Done.")

# Subscriptions
SUBSCRIBE_NO_DEFAULTS = Msg(
    "There are no default feeds. Subscribe to one with <code>/subscribe &lt;feed URL&gt;</code>."
)
SUBSCRIBED_DEFAULTS = Plural(
    "Subscribed to {count} default feed: {names}.", "Subscribed to {count} default feeds: {names}."
)
ALREADY_DEFAULTS = Msg("This chat already follows every default feed. /feeds lists them.")
SUBSCRIBED = Msg(
    "Subscribed to <b>{title}</b>. New stories will arrive here; /latest shows recent ones."
)
ALREADY_SUBSCRIBED = Msg("This chat is already subscribed to {title}. /feeds lists its feeds.")
NOT_A_URL = Msg(
    "That is neither a feed URL nor a catalogue name. "
    "Use <code>/subscribe https://example.com/feed.xml</code> or a name from the catalogue{names}."
)
NOT_A_FEED = Msg(
    "{url} is not a feed and links to none. "
    "Send the address of an RSS or Atom feed, e.g. <code>/subscribe https://example.com/rss</code>."
)
TOO_MANY_FETCHES = Plural(
    "You have asked me to fetch many addresses in a short time. Try again in {seconds} second.",
    "You have asked me to fetch many addresses in a short time. Try again in {seconds} seconds.",
    count="seconds",
)
URL_TOO_LONG = Msg(
    "That address is longer than {limit} characters, so it is not a feed I can fetch."
)
FETCH_FAILED = Msg("I could not fetch {url}: {reason}. Check the address and try again.")
FEED_LIMIT = Msg(
    "This chat has reached its limit of {limit} feeds. "
    "Remove one with /feeds or /unsubscribe first."
)
UNSUBSCRIBE_USAGE = Msg(
    "Say which feed: <code>/unsubscribe &lt;name or URL&gt;</code>, or "
    "<code>/unsubscribe all</code>. /feeds lists this chat's feeds with remove buttons."
)
NOT_SUBSCRIBED = Msg("This chat is not subscribed to {name}. /feeds lists its feeds.")
UNSUBSCRIBED = Msg("Unsubscribed from {name}.")
UNSUBSCRIBED_ALL = Plural(
    "Unsubscribed from {count} feed.", "Unsubscribed from all {count} feeds."
)
NO_FEEDS = Msg("This chat has no feeds yet. /subscribe adds the default feeds.")
FEEDS_HEADER = Msg("<b>This chat's feeds</b> ({count} of {limit})")
FEED_HEALTH = {
    "new": Msg("⏳ not polled yet"),
    "ok": Msg("✅ ok"),
    "failing": Msg("⚠️ failing"),
    "dead": Msg("❌ dead"),
}
REMOVE_BUTTON = Msg("Remove {name}")

# Stories
LATEST_USAGE = Msg(
    "Say how many stories, from 1 to {max}, and a topic if you like: <code>/latest 10</code> "
    "or <code>/latest 5 syria</code>."
)
LATEST_ON = Msg("<b>Latest on {query}</b>")
LATEST_HEADER = Msg("<b>Latest stories</b>")
LATEST_HEADER_ALL = Msg("<b>Latest stories from all feeds</b> (this chat has no feeds yet)")
NO_STORIES = Msg("No stories yet. They arrive a few minutes after the first poll of a feed.")
NO_MORE_STORIES = Msg("No more stories.")
TOPIC_USAGE = Msg(
    'Say what to look for: <code>/topic syria</code> or <code>/topic "climate deal"</code>.'
)
TOPIC_HEADER = Msg("<b>Stories on</b> <code>{query}</code>")
TOPIC_NOTHING = Plural(
    "No story from the last {days} day matches <code>{query}</code>.",
    "No story from the last {days} days matches <code>{query}</code>.",
    count="days",
)
PREV_BUTTON = Msg("‹ Prev")
NEXT_BUTTON = Msg("Next ›")
FOLLOW_BUTTON = Msg("Follow this topic")
PAGE = Msg("page {page}")

# Topic queries
QUERY_EMPTY = Msg("The query is empty. Try <code>/topic syria</code>.")
QUERY_TOO_LONG = Plural(
    "The query is too long ({length} character); keep it under {limit}.",
    "The query is too long ({length} characters); keep it under {limit}.",
    count="length",
)
QUERY_TOO_MANY_TERMS = Msg("The query has too many words ({count}); use at most {limit}.")
QUERY_ONLY_EXCLUSIONS = Msg(
    "A query needs at least one word to look for, not only <code>-exclusions</code>: "
    "<code>/topic syria -football</code>."
)
QUERY_UNBALANCED_QUOTE = Msg(
    'A quote is not closed. Write an exact phrase as <code>"climate deal"</code>.'
)
QUERY_DANGLING_OR = Msg("OR needs a word on each side: <code>/topic syria OR lebanon</code>.")

# Topics
FOLLOW_USAGE = Msg(
    "Say which topic: <code>/follow syria</code>. /topics lists this chat's topics."
)
FOLLOWED = Msg(
    "Following <code>{query}</code>: matching stories from every feed will arrive here."
)
ALREADY_FOLLOWING = Msg("This chat already follows <code>{query}</code>.")
TOPIC_LIMIT = Plural(
    "This chat follows {limit} topic already. Drop it with /unfollow first.",
    "This chat follows {limit} topics already. Drop one with /unfollow first.",
    count="limit",
)
UNFOLLOW_USAGE = Msg(
    "Say which topic: <code>/unfollow &lt;query&gt;</code> or <code>/unfollow all</code>. "
    "/topics lists them."
)
NOT_FOLLOWING = Msg("This chat does not follow <code>{query}</code>. /topics lists its topics.")
UNFOLLOWED = Msg("Stopped following <code>{name}</code>.")
UNFOLLOWED_ALL = Plural(
    "Stopped following {count} topic.", "Stopped following all {count} topics."
)
NO_TOPICS = Msg("This chat follows no topics. <code>/follow &lt;query&gt;</code> adds one.")
TOPICS_HEADER = Msg("<b>Topics this chat follows</b>")

# Digest, time zone, settings
DIGEST_USAGE = Msg(
    "Use <code>/digest instant</code> (each story as it comes), "
    "<code>/digest daily 08:00</code> or <code>/digest daily 08:00,18:30</code> "
    "(one digest at those times), or <code>/digest off</code>."
)
DIGEST_BAD_TIME = Msg(
    "{value} is not a time. Write times like <code>08:00</code>, <code>8am</code> or "
    "<code>20:30</code>, e.g. <code>/digest daily 8am</code>."
)
DIGEST_TOO_MANY_TIMES = Msg("At most {limit} digest times a day.")
DIGEST_SET = {
    "instant": Msg("Stories will arrive one by one, as they come."),
    "daily": Msg("A digest will arrive daily at {times} ({tz})."),
    "off": Msg("Digests are off. /latest still shows the newest stories."),
}
TIMEZONE_USAGE = Msg(
    "Give a city, a time zone or an offset: <code>/timezone Berlin</code>, "
    "<code>/timezone America/New_York</code> or <code>/timezone +02:00</code>. "
    "It is currently {tz}."
)
TIMEZONE_UNKNOWN = Msg(
    "{value} is not a time zone I know. Use a city or a zone name like <code>Berlin</code> or "
    "<code>Europe/Berlin</code>, or an offset like <code>+02:00</code>."
)
TIMEZONE_SUGGEST = Msg(" Did you mean {names}?")
TIMEZONE_SET = Msg("Time zone set to {tz}.")
SETTINGS = Msg(
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
ON = Msg("on")
OFF = Msg("off")
DIGEST_DESCRIPTION = {
    "instant": Msg("each story as it comes"),
    "daily": Msg("a digest at {times} ({tz})"),
    "off": Msg("off (nothing is sent)"),
}
DIGEST_LENGTH_DESCRIPTION = {
    0: Msg("titles only"),
    1: Msg("one line per story"),
    2: Msg("two sentences per story"),
    3: Msg("three sentences per story"),
}
SENTENCES_DESCRIPTION = Plural("{n} sentence", "{n} sentences", count="n")
QUIET_DESCRIPTION = Msg("{window}: stories wait for its end")
SILENT_DESCRIPTION = Msg("on: no sound for pushes")
SENTENCES_BUTTON = Msg("{mark}{n}")
SENTENCES_ROW_HINT = Msg("Summary sentences")
TOGGLE_BUTTON = Msg("{name}: {now} ▸ turn {next}")
MODE_BUTTONS = {"instant": Msg("Instant"), "daily": Msg("Daily digest"), "off": Msg("Off")}
LENGTH_BUTTONS = {0: Msg("Titles"), 1: Msg("One line"), 3: Msg("Full")}
TIMES_BUTTON = Msg("Digest times ▸")
ZONE_BUTTON = Msg("Time zone: {tz} ▸")
QUIET_ON_BUTTON = Msg("Quiet hours: off ▸ {window}")
QUIET_OFF_BUTTON = Msg("Quiet hours: {window} ▸ turn off")
BACK_BUTTON = Msg("‹ Back")
CHOSEN = Msg("✓ ")
PREVIEWS_NAME = Msg("Link previews")
SILENT_NAME = Msg("Silent pushes")
SETTINGS_TIMES = Msg(
    "<b>Digest times</b> ({tz})\nNow: {times}\n\nTap a time to add or remove it (the chat "
    "switches to a daily digest). Any other time: <code>/digest daily 7:30</code>."
)
SETTINGS_ZONES = Msg(
    "<b>Time zone</b>\nNow: {tz}\n\nTap one, or send <code>/timezone</code> with your city "
    "(<code>/timezone Berlin</code>) or offset (<code>/timezone +02:00</code>); in a private "
    "chat you can also share a location (📎 › Location): only its time zone is kept."
)
LANGUAGE_BUTTON = Msg("Language: {language} ▸")
SETTINGS_LANGUAGES = Msg(
    "<b>Language</b>\nNow: {language}\n\nTap the language I should answer in here. The "
    "stories themselves stay in the language they were written in."
)
SENTENCES_BAD = Msg("Summary length must be 0 to 5 sentences.")

# Stats
STATS = Msg(
    "<b>Stats</b>\n"
    "Chats: {chats} ({active} active)\n"
    "Feeds: {feeds} ({ok} ok, {failing} failing, {dead} dead)\n"
    "Stories: {stories} ({stories_fallback} from feed text after a page failed, "
    "{stories_failed} given up)\n"
    "Deliveries: {sent} sent, {pending} pending, {failed} failed\n"
    "Topics followed: {topics}"
)
FAILING_FEEDS = Msg("\n\n<b>Failing feeds</b>\n{lines}")

# Story rendering
ALSO_IN = Msg("also in {names}")
MORE_STORIES = Msg("+{count} more: /latest")

# Pushes and digests as a phone shows them
FOLLOWING = Msg("Following: {query}")
BATCH_HEADER = Plural("<b>{count} new story</b>", "<b>{count} new stories</b>")
QUIET_BATCH_HEADER = Msg("<b>{count} from your quiet hours</b>")
DIGEST_HEADER = Msg("<b>{day} · {count}</b>")
DIGEST_CONTINUED = Msg("<i>{day} · continued ({page}/{pages})</i>")
DIGEST_FULL_BUTTON = Msg("Full summaries")
DIGEST_SHORT_BUTTON = Msg("Short list")


STORIES_COUNT = Plural("{count} story", "{count} stories")


def stories_count(count: int) -> str:
    """`1 story`, `8 stories`, in the current language."""
    return STORIES_COUNT.format(count=count)


QUIET_USAGE = Msg(
    "Use <code>/quiet 23:00-07:00</code> (or <code>/quiet 11pm-7am</code>): stories that "
    "arrive then are held and sent together when the quiet hours end. "
    "<code>/quiet off</code> ends them."
)

# First steps: the bot's profile, the menus, /start and deep links, a group's greeting
BOT_DESCRIPTION = Msg(
    "I turn news feeds into short summaries and send them to your chat: each story as it "
    "comes, or a daily digest. Take the feeds I suggest or add any site's feed, search the "
    "news of the last week, and follow a topic to get its stories from every feed. I work in "
    "private chats, groups and channels."
)
BOT_SHORT_DESCRIPTION = Msg(
    "Short summaries of news feeds, as they come or in a daily digest. Search and follow topics."
)
START = Msg(
    "Hello! I turn news feeds into short summaries in this chat.\n\n"
    "{feeds}\n"
    "• /latest shows the newest stories, <code>/topic &lt;query&gt;</code> searches them.\n"
    "• Follow a topic below, or <code>/follow &lt;query&gt;</code>: its stories come from "
    "every feed.\n"
    "• In a private chat, you can also just send me a link to a site or feed.\n\n"
    "/help lists every command."
)
START_FEEDS = Msg(
    "• Suggested feeds: {names}. Tap Subscribe to get them here, or send "
    "<code>/subscribe &lt;feed URL&gt;</code> for any other."
)
START_MORE_FEEDS = Msg(" and {count} more")
START_NO_FEEDS = Msg("• <code>/subscribe &lt;feed URL&gt;</code> adds a feed.")
START_SUBSCRIBE_BUTTON = Msg("Subscribe to the suggested feeds")
START_FOLLOW_BUTTON = Msg("Follow {topic}")
START_TOPICS = ("climate", "elections", "football")  # example topics under /start
START_LINK_UNKNOWN = Msg("\n\n<i>I did not understand the link that brought you here.</i>")
GROUP_GREETING = Msg(
    "Hello! I post short summaries of news feeds here. The group's administrators choose "
    "the feeds and settings (/subscribe, /digest, /settings); anyone may use /latest and "
    "/topic. /help lists the commands."
)

# Asking before removing, and undo
CONFIRM_UNSUBSCRIBE_ALL = Plural(
    "Unsubscribe this chat from its {count} feed?", "Unsubscribe this chat from all {count} feeds?"
)
CONFIRM_UNFOLLOW_ALL = Plural(
    "Stop following the {count} topic of this chat?",
    "Stop following all {count} topics in this chat?",
)
CONFIRM_REMOVE_FEED = Msg("Unsubscribe this chat from <b>{name}</b>?")
YES_BUTTON = Msg("Yes, remove")
CANCEL_BUTTON = Msg("Cancel")
UNDO_BUTTON = Msg("Undo")
NOTHING_CHANGED = Msg("Nothing was removed.")
NOTHING_TO_REMOVE = Msg("There is nothing left to remove.")
UNDO_EXPIRED = Msg("Too late to undo: that was more than a minute ago.")
UNDONE_FEEDS = Plural(
    "Undone: {count} feed is back. /feeds lists it.",
    "Undone: {count} feeds are back. /feeds lists them.",
)
UNDONE_TOPICS = Plural(
    "Undone: {count} topic is followed again. /topics lists it.",
    "Undone: {count} topics are followed again. /topics lists them.",
)
QUIET_NOW = Msg("Quiet hours: {window}.")
QUIET_SET = Msg(
    "Quiet hours are {window} ({tz}): stories that arrive then wait, and come as one message "
    "when they end. <code>/quiet off</code> ends them."
)
QUIET_OFF = Msg("Quiet hours are off: stories come as they arrive.")
DIGEST_NOW = Msg("Sending what was waiting ({count}) in a moment.")
DIGEST_NOTHING = Msg(
    "Nothing is waiting for this chat: every story has been sent. /latest shows the newest."
)
TIMEZONE_FROM_LOCATION = Msg(
    "Time zone set to {tz} from the location you shared (the location itself is not kept). "
    "Not right? <code>/timezone</code> and your city."
)
LOCATION_NO_ZONE = Msg("I cannot tell the time zone of that place: use /timezone and your city.")

# Filters: what a subscription lets through, what a chat never gets
FILTER_USAGE = Msg(
    "Use <code>/filter &lt;feed&gt; &lt;query&gt;</code> to push only that feed's stories "
    'matching the query (as in /topic: words, <code>"a phrase"</code>, <code>-exclude</code>, '
    "<code>a OR b</code>), e.g. <code>/filter 1 syria -football</code>, and "
    "<code>/filter &lt;feed&gt; off</code> to end it. The feed is its number or name in /feeds."
)
FILTER_SET = Msg(
    "Stories of {feed} now come here only when they match <code>{query}</code> "
    "(/latest and /topic still show everything)."
)
FILTER_OFF = Msg("Every story of {feed} comes here again.")
FILTER_NONE = Msg("No feed here has a filter.")
FILTER_LIST = Msg("<b>Filters</b>\n{lines}")
FILTER_LINE = Msg("{n}. {feed}: <code>{query}</code>")
FILTER_SHOWN = Msg(" · only <code>{query}</code>")
FILTER_BUTTON = Msg("Filter {name}")
FILTER_HELP = Msg(
    "<b>{feed}</b>: {state}\n\nSend <code>/filter {n} &lt;query&gt;</code> to keep only the "
    "stories that match it, e.g. <code>/filter {n} syria -football</code>."
)
FILTER_STATE_ALL = Msg("every story is pushed")
FILTER_STATE = Msg("only stories matching <code>{query}</code> are pushed")
FILTER_CLEAR_BUTTON = Msg("Push every story again")
MUTE_USAGE = Msg(
    "Use <code>/mute &lt;query&gt;</code>: stories matching it are never pushed here, from any "
    "feed or topic (/latest and /topic still show them), e.g. <code>/mute football OR "
    "cricket</code>. <code>/mute off</code> ends it."
)
MUTE_NOW = Msg("Muted here: <code>{query}</code>. <code>/mute off</code> ends it.")
MUTE_SET = Msg("Stories matching <code>{query}</code> are never pushed here now.")
MUTE_OFF = Msg("Nothing is muted here.")

# OPML in chat: /import and /export (#15)
OPML_TOO_BIG = Msg(
    "That file is larger than {limit}, far more than a list of feeds. Send a smaller one."
)
OPML_NOT_XML = Msg("That file is not valid XML, so it is not an OPML list of feeds.")
OPML_DTD = Msg(
    "That file declares a DTD or entities, which I do not read: they can hide harmful content. "
    "Export the list again without them."
)
OPML_NOT_OPML = Msg("That file is XML but not an OPML list of feeds.")
OPML_TOO_MANY = Msg("That file lists {count} feeds; I import at most {limit} from one file.")
# Why one feed of an import failed, in a few words (`UserError.reason`)
WHY_NOT_A_URL = Msg("not a feed address")
WHY_NOT_A_FEED = Msg("not a feed, and links to none")
WHY_BLOCKED = Msg("blocked address (private or local network)")
WHY_UNREACHABLE = Msg("unreachable: {reason}")
WHY_TOO_MANY_FETCHES = Msg("not tried: too many fetches; send the file again in {seconds} s")
WHY_LIMIT = Msg("over this chat's limit of {limit} feeds")
WHY_OUT_OF_TIME = Msg("not tried: the import ran out of time; send the file again")
WHY_OTHER = Msg("could not be added")
IMPORT_SEND_FILE = Msg(
    "Send me the OPML file (<code>.opml</code> or <code>.xml</code>, up to {limit}) that your "
    "feed reader exported, as a file. Its feeds will be added to this chat."
)
IMPORT_SUMMARY = Msg(
    "<b>Imported from {file}</b>\n"
    "Imported: {imported}\n"
    "Already subscribed: {existing}\n"
    "Failed: {failed}"
)
IMPORT_FAILED_LINE = Msg("• {url} – {reason}")
IMPORT_FAILED_MORE = Msg("… and {count} more")
IMPORT_EMPTY = Msg("That OPML file lists no feeds (no outline has an <code>xmlUrl</code>).")
IMPORT_NEXT = Msg("\n\n/feeds lists this chat's feeds.")
EXPORT_CAPTION = Plural(
    "This chat's {count} feed as OPML: /import it here or in any feed reader.",
    "This chat's {count} feeds as OPML: /import it here or in any feed reader.",
)
