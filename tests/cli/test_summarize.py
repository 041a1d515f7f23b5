"""`digest-bot summarize`: files, standard input and pages from a local server; no token."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.feed_server import FeedServer
from tests.support.paths import TEST_DATA
from tests.support.seed import FURNITURE, seed_page_html

DATA = TEST_DATA
STORY = """Council approves new bridge over the river

The city council approved the construction of a new bridge over the river on Tuesday.
The project will cost 120 million euros and take three years to complete, officials said.
Engineers said the design would withstand floods far larger than any on record.
Residents welcomed the decision after a decade of traffic jams on the old crossing.
Dr. Jane Smith, who chairs the transport committee, called it "a long overdue step."
"""


def _run(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


@pytest.fixture
def pages() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def test_plain_text_file_as_json(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text(STORY)
    result = _run("summarize", str(story), "--json", "--sentences", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["title"] == "Council approves new bridge over the river"
    assert len(report["sentences"]) == 2
    assert report["language"] == "en"
    assert report["keywords"]
    assert not (tmp_path / "data").exists(), "summarize needs no database"


def test_standard_input_and_several_inputs(tmp_path: Path) -> None:
    result = _run(
        "summarize", "-", str(DATA / "story-german.txt"), "--json", cwd=tmp_path, stdin=STORY
    )
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert "bridge" in first["summary"]
    assert second["language"] == "de"


def test_page_from_a_local_server_carries_the_story_not_the_furniture(
    tmp_path: Path, pages: FeedServer
) -> None:
    url = pages.add("/story.html", seed_page_html().encode(), content_type="text/html")
    config = tmp_path / "config.toml"
    config.write_text("[fetch]\nallow_private_networks = true\n")
    result = _run("--config", str(config), "summarize", url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in ("Assad", "Iran", "Turkey"):
        assert name in result.stdout
    for line in FURNITURE:
        assert line not in result.stdout
    assert "#Assad" in result.stdout


def test_loopback_is_blocked_by_default(tmp_path: Path, pages: FeedServer) -> None:
    url = pages.add("/story.html", b"<html><body><p>Hi</p></body></html>")
    result = _run("summarize", url, cwd=tmp_path)
    assert result.returncode == 1
    assert "blocked" in result.stderr
    assert "Traceback" not in result.stderr
    assert pages.count("/story.html") == 0, "the guard stops the request before it is sent"


def test_bad_inputs_get_one_line(tmp_path: Path) -> None:
    result = _run("summarize", str(tmp_path / "missing.txt"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("digest-bot: cannot read")
    result = _run("summarize", "-", "--sentences", "9", cwd=tmp_path, stdin=STORY)
    assert result.returncode == 1
    assert "between 0 and 5" in result.stderr
