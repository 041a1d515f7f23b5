"""Where the tests find their files: inside the repository, wherever the checkout lives."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEST_DATA = REPO / "tests" / "data"
SHARED = REPO.parent / "shared"  # optional: tests that need it skip with a sentence
