"""Topic queries: parsing (pure) and full-text search on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import Connection, select, update

from bot.core.textnorm import SEARCH_DOC_MAX_BYTES, search_text
from bot.core.topic_query import (
    MAX_QUERY_CHARS,
    Term,
    canonical,
    normalise_text,
    normalise_words,
    parse_topic_query,
    to_fts5,
    to_tsquery,
)
from bot.errors import UserError
from bot.store.engine import Store
from bot.store.refs import recall, remember
from bot.store.schema import stories
from bot.store.search import (
    latest_stories,
    search_stories,
    story_feed_names,
    story_matches,
)
from bot.store.stories import compact_stories
from tests.support.story_data import NOW, add_feed, add_story

# Parsing (pure)


def test_normalise_strips_case_accents_and_punctuation() -> None:
    assert normalise_words("Syria's Économie, São-Paulo!") == [
        "syria",
        "s",
        "economie",
        "sao",
        "paulo",
    ]
    assert normalise_text("ＡＢＣ İstanbul") == "abc istanbul"


def test_parse_words_phrases_exclusions_and_or() -> None:
    q = parse_topic_query('Syria "Civil War" -football iran OR Iraq')
    assert q.groups == (
        (Term(("syria",)),),
        (Term(("civil", "war"), exact=True),),
        (Term(("iran",)), Term(("iraq",))),
    )
    assert q.exclude == (Term(("football",)),)
    assert canonical(q) == 'syria "civil war" iran OR iraq -football'


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * (MAX_QUERY_CHARS + 1), "too long"),
        ("-football -cricket", "not only"),
        ('"unclosed phrase', "quote is not closed"),
        ("OR syria", "OR needs a word"),
        ("syria OR", "OR needs a word"),
        ("!!! ???", "empty"),
        (" ".join(f"w{i}" for i in range(20)), "too many words"),
    ],
)
def test_bad_queries_say_what_is_wrong(query: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_topic_query(query)


def test_fts5_and_tsquery_use_prefixes_for_words_only() -> None:
    q = parse_topic_query('syria "civil war" al-Assad -assyria')
    assert to_fts5(q) == '(("syria"*) AND ("civil war") AND ("al assad"*)) NOT ("assyria"*)'
    assert to_tsquery(q) == (
        "(('syria':*)) & (('civil' <-> 'war')) & (('al' <-> 'assad':*)) & !('assyria':*)"
    )


# Searching the store


def _titles(store: Store, query: str, **kw: object) -> list[str]:
    since = kw.pop("since", NOW - timedelta(days=7))
    rows = store.read_sync(search_stories, parse_topic_query(query), since, 20, **kw)
    return [r.title for r in rows]


def _seed(conn: Connection) -> dict[str, int]:
    feed = add_feed(conn, "https://news.example/rss", name="News")
    return {
        "syria": add_story(conn, "Syria talks resume", "Delegates met in Geneva.", feed_id=feed),
        "syrian": add_story(conn, "Refugees return", "A Syrian family went home.", feed_id=feed),
        "syrias": add_story(conn, "Economy", "Syria's currency fell again.", feed_id=feed),
        "assyria": add_story(conn, "Museum", "An Assyrian relief from Assyria.", feed_id=feed),
        "accent": add_story(conn, "Café culture in São Paulo", "Crème brûlée.", feed_id=feed),
        "war": add_story(conn, "Civil war ends", "The civil war is over.", feed_id=feed),
        "warcivil": add_story(conn, "War", "A war on civil servants.", feed_id=feed),
        "football": add_story(conn, "Syria football", "Syria won the match.", feed_id=feed),
        "new": add_story(conn, "Syria unprocessed", "Syria.", feed_id=feed, state="new"),
        "dup": add_story(conn, "Syria duplicate", "Syria.", feed_id=feed, state="duplicate"),
        "old": add_story(
            conn, "Syria old", "Syria.", feed_id=feed, published=NOW - timedelta(days=30)
        ),
    }


def test_search_finds_inflections_not_other_words(store: Store) -> None:
    store.write_sync(_seed)
    found = _titles(store, "syria")
    assert set(found) == {"Syria talks resume", "Refugees return", "Economy", "Syria football"}
    assert "Museum" not in found


def test_search_is_case_and_accent_insensitive(store: Store) -> None:
    store.write_sync(_seed)
    assert _titles(store, "SAO paulo") == ["Café culture in São Paulo"]
    assert _titles(store, "creme brulee") == ["Café culture in São Paulo"]
    assert _titles(store, "Brûlée") == ["Café culture in São Paulo"]


def test_exact_phrase_exclusion_and_or(store: Store) -> None:
    store.write_sync(_seed)
    assert _titles(store, '"civil war"') == ["Civil war ends"]
    assert set(_titles(store, "civil war")) == {"Civil war ends", "War"}
    assert "Syria football" not in _titles(store, "syria -football")
    assert set(_titles(store, "geneva OR currency")) == {"Syria talks resume", "Economy"}


def test_search_ranks_best_first_and_pages(store: Store) -> None:
    store.write_sync(_seed)
    first = _titles(store, "syria")
    assert first[0] == "Syria football"  # "syria" three times
    assert _titles(store, "syria", offset=1) == first[1:]
    assert _titles(store, "syria", since=NOW + timedelta(days=1)) == []


def test_story_matches(store: Store) -> None:
    ids = store.write_sync(_seed)
    query = parse_topic_query("syria -football")
    assert store.read_sync(story_matches, ids["syrian"], query)
    assert not store.read_sync(story_matches, ids["football"], query)
    assert not store.read_sync(story_matches, ids["assyria"], query)


def test_latest_stories_newest_first_visible_only(store: Store) -> None:
    ids = store.write_sync(_seed)

    def other(conn: Connection) -> tuple[int, int]:
        feed = add_feed(conn, "https://other.example/rss", title="Other")
        return feed, add_story(conn, "Other feed story", feed_id=feed, published=NOW)

    other_feed, other_story = store.write_sync(other)
    rows = store.read_sync(latest_stories, None, 50)
    assert rows[0].id == other_story
    assert {ids["new"], ids["dup"]}.isdisjoint(r.id for r in rows)
    only_other = store.read_sync(latest_stories, [other_feed], 50)
    assert [r.id for r in only_other] == [other_story]
    assert store.read_sync(story_feed_names, [other_story]) == {other_story: ["Other"]}


def test_long_button_values_are_kept_under_their_key(store: Store) -> None:
    query = "election " + " ".join(f"word{i}" for i in range(30))
    store.write_sync(remember, "topic-query", "0123456789abcdef", query)
    store.write_sync(remember, "topic-query", "0123456789abcdef", query)  # twice is fine
    assert store.read_sync(recall, "topic-query", "0123456789abcdef") == query
    assert store.read_sync(recall, "subscribe-url", "0123456789abcdef") is None
    assert store.read_sync(recall, "topic-query", "fedcba9876543210") is None


def test_compacted_stories_keep_title_summary_and_keywords(store: Store) -> None:
    def seed(conn: Connection) -> dict[str, int]:
        ids = {
            "old": add_story(
                conn,
                "Harbour bridge reopens",
                "Engineers replaced the rusted cables of the harbour bridge.",
                summary="The bridge reopened.",
                keywords="Harbour,bridge",
                state="matched",
            ),
            "recent": add_story(
                conn, "Ferry strike", "Ferry crews walked out over cables.", state="matched"
            ),
            "unenriched": add_story(conn, "Tram news", "Tram cables.", state="new"),
            "unmatched": add_story(conn, "Bus news", "Bus cables."),
        }
        conn.execute(
            update(stories)
            .where(stories.c.id.in_([ids["old"], ids["unenriched"], ids["unmatched"]]))
            .values(created_at=NOW - timedelta(days=20))
        )
        return ids

    ids = store.write_sync(seed)
    before, later = NOW - timedelta(days=14), NOW + timedelta(minutes=1)
    assert store.write_sync(compact_stories, before, later, 1) == 1
    assert store.write_sync(compact_stories, before, later, 500) == 0  # nothing left to do

    def read(conn: Connection) -> dict[int, tuple[str, str, str, str]]:
        rows = conn.execute(
            select(
                stories.c.id,
                stories.c.text,
                stories.c.summary,
                stories.c.keywords,
                stories.c.title,
            )
        )
        return {r.id: (r.text, r.summary, r.keywords, r.title) for r in rows}

    rows = store.read_sync(read)
    old = ("", "The bridge reopened.", "Harbour,bridge", "Harbour bridge reopens")
    assert rows[ids["old"]] == old
    assert rows[ids["recent"]][0] == "Ferry crews walked out over cables."
    assert rows[ids["unenriched"]][0] == "Tram cables."  # not enriched yet: left alone
    assert rows[ids["unmatched"]][0] == "Bus cables."  # not matched yet: left alone

    def found(words: str) -> set[int]:
        since = NOW - timedelta(days=30)
        page = store.read_sync(search_stories, parse_topic_query(words), since, 10, 0)
        return {row.id for row in page}

    assert found("cables") == {ids["recent"], ids["unmatched"]}  # old text left the index
    assert found("harbour") == {ids["old"]}  # its title and keywords did not


def distinct_words(count: int, seed: int = 7) -> str:
    """`count` different made-up words: a page no index can shrink by folding repeats."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzäöüéèß"
    return " ".join(
        "".join(rng.choice(letters) for _ in range(rng.randint(6, 12))) + str(n)
        for n in range(count)
    )


def test_search_doc_is_capped_at_a_word_boundary() -> None:
    huge = distinct_words(150_000)
    doc = search_text("Headline", "kw", huge)
    assert len(doc.encode()) <= SEARCH_DOC_MAX_BYTES
    assert doc.startswith("headline kw ")
    assert huge.startswith(doc.split(" ", 2)[2].split(" ")[0])
    last = doc.split(" ")[-1]
    assert f" {last} " in f" {normalise_text(huge)} "  # a whole word, not a cut one


def test_a_page_of_a_million_distinct_characters_is_stored_and_found(store: Store) -> None:
    """PostgreSQL refuses a tsvector over 1 MB; the capped document never reaches that."""
    huge = distinct_words(150_000)
    assert len(huge.encode()) > 1_500_000
    story_id = store.write_sync(add_story, "Flood of words", huge)
    other = store.write_sync(add_story, "Quiet harbour news", "Boats stay home.")
    assert store.read_sync(story_matches, story_id, parse_topic_query("flood"))
    assert _titles(store, "flood") == ["Flood of words"]
    assert _titles(store, "harbour") == ["Quiet harbour news"]
    assert other
