"""The compact language model gives py3langid's own answers, feature for feature."""

from __future__ import annotations

import logging
import random
import unicodedata
from array import array
from collections import Counter
from functools import cache
from typing import Any

import numpy as np
import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier, visit_counts

from bot.core.text.language import _identifier, compact_or_original
from bot.core.text.language_model import CompactIdentifier, feature_counts, prefix_table
from tests.support.paths import TEST_DATA

# One or two sentences in each of many languages and scripts, written for these tests.
TEXTS = [
    "The council approved the new budget on Monday after a long debate.",
    "Der Stadtrat hat am Montag nach langer Debatte den neuen Haushalt beschlossen.",
    "Le conseil municipal a adopté lundi le nouveau budget après un long débat.",
    "El ayuntamiento aprobó el lunes el nuevo presupuesto tras un largo debate.",
    "Il consiglio comunale ha approvato lunedì il nuovo bilancio dopo un lungo dibattito.",
    "A câmara aprovou na segunda-feira o novo orçamento depois de um longo debate.",
    "De gemeenteraad keurde maandag na een lang debat de nieuwe begroting goed.",
    "Городской совет в понедельник утвердил новый бюджет после долгих споров.",
    "Міська рада в понеділок ухвалила новий бюджет після тривалих дебатів.",
    "Rada miasta przyjęła w poniedziałek nowy budżet po długiej debacie.",
    "Belediye meclisi pazartesi günü uzun bir tartışmanın ardından yeni bütçeyi onayladı.",
    "Το δημοτικό συμβούλιο ενέκρινε τη Δευτέρα τον νέο προϋπολογισμό.",
    "وافق مجلس المدينة يوم الاثنين على الميزانية الجديدة بعد نقاش طويل.",
    "מועצת העיר אישרה ביום שני את התקציב החדש לאחר דיון ארוך.",
    "市议会周一在长时间辩论后批准了新预算。",
    "市議会は月曜日、長い議論の末に新しい予算を承認した。",
    "시의회는 월요일 긴 논쟁 끝에 새 예산을 승인했다.",
    "สภาเมืองอนุมัติงบประมาณใหม่เมื่อวันจันทร์หลังการอภิปรายอันยาวนาน",
    "नगर परिषद ने सोमवार को लंबी बहस के बाद नया बजट मंजूर किया।",
    "Kaupunginvaltuusto hyväksyi maanantaina uuden talousarvion pitkän keskustelun jälkeen.",
    "THE COUNCIL APPROVED THE BUDGET",  # all capitals: py3langid lowers it first
    "Prices rose 3.4% in Q3 (see https://example.org/report?id=42) — officials said.",
    "ok",
    "",
    "12345 67890 !!! ???",
    "Mixed: Москва, Paris, 東京 and Αθήνα all reported rain.\u0301 e\u0301",  # NFC matters
]


@cache
def _original() -> Any:
    return LanguageIdentifier.from_model_file(MODEL_FILE)


def _random_texts(count: int) -> list[str]:
    """Arbitrary code points and bytes decoded as Latin-1: inputs no model was trained on."""
    rng = random.Random(19)
    texts = ["".join(chr(rng.randrange(32, 0x3000)) for _ in range(300)) for _ in range(count)]
    texts += [
        bytes(rng.randrange(256) for _ in range(400)).decode("latin-1") for _ in range(count)
    ]
    return texts


def _stories() -> list[str]:
    return [path.read_text()[:1000] for path in sorted(TEST_DATA.glob("story-*.txt"))]


@pytest.mark.parametrize("text", TEXTS + _stories() + _random_texts(20))
def test_same_language_and_score_as_py3langid(text: str) -> None:
    compact = _identifier()
    assert isinstance(compact, CompactIdentifier)  # the shipped model has the compact form
    code, score = compact.classify(text)
    expected_code, expected_score = _original().classify(text)
    assert code == expected_code
    assert score == pytest.approx(expected_score, rel=1e-6)


@pytest.mark.parametrize("text", TEXTS + _random_texts(10))
def test_same_feature_counts_as_the_automaton(text: str) -> None:
    original = _original()
    data = unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")
    expected = visit_counts(original.tk_nextmove, original._rowbase, original.tk_output, data)
    compact = _identifier()
    assert feature_counts(compact._table, compact._longest, data) == (expected or Counter())


def test_every_transition_of_the_shipped_automaton_is_the_longest_suffix() -> None:
    """The property the prefix table rests on, checked on a sample of the DFA's states."""
    original = _original()
    moves = np.frombuffer(original.tk_nextmove, dtype=f"u{original.tk_nextmove.itemsize}")
    rows = np.frombuffer(original.tk_row, dtype=f"u{original.tk_row.itemsize}")
    table = prefix_table(moves.reshape(-1, 256), rows, list(original.tk_output))
    state_of = {prefix: state for state, prefix in enumerate(table)}  # table keeps state order
    prefix_of = list(table)
    longest = max(map(len, table))
    rng = random.Random(7)
    for state in rng.sample(range(len(rows)), 300):
        for byte in range(256):
            text = prefix_of[state] + bytes((byte,))
            size = min(len(text), longest)
            while size and text[len(text) - size :] not in table:
                size -= 1
            expected = state_of[text[len(text) - size :]]
            assert moves[(int(rows[state]) << 8) + byte] == expected


def _automaton(edges: dict[tuple[int, int], int], states: int) -> tuple[Any, Any]:
    """A DFA on `states` states: `edges` (state, byte) -> state, every other byte to the root."""
    nextmove = np.zeros((states, 256), dtype=np.uint32)
    for (state, byte), target in edges.items():
        nextmove[state, byte] = target
    return nextmove, np.arange(states, dtype=np.uint16)


def test_prefix_table_of_a_small_automaton() -> None:
    """Prefixes "a" and "ab"; "ab" counts feature 0, "a" feature 1; "aa" stays at "a"."""
    a, b = ord("a"), ord("b")
    nextmove, rows = _automaton({(0, a): 1, (1, a): 1, (1, b): 2, (2, a): 1}, 3)
    table = prefix_table(nextmove, rows, [-1, 1, 0])
    assert table == {b"": -1, b"a": 1, b"ab": 0}
    assert feature_counts(table, 2, b"xaabab") == Counter({1: 3, 0: 2})


def _bent() -> Any:
    """py3langid's identifier with one transition of the root's row sent back to the root."""
    original = _original()
    moves = np.frombuffer(original.tk_nextmove, dtype=f"u{original.tk_nextmove.itemsize}")
    broken = np.array(moves.reshape(-1, 256))
    broken[int(original.tk_row[0]), ord("e")] = 0  # every state on this row forgets "e"
    return LanguageIdentifier(
        original.nb_ptc,
        original.nb_pc,
        original.nb_classes,
        _as_array(broken.ravel(), original.tk_nextmove.typecode),
        original.tk_output,
        tk_row=original.tk_row,
    )


def test_a_dfa_that_does_not_count_by_longest_suffix_is_refused() -> None:
    with pytest.raises(ValueError, match=r"longest suffix|no input reaches"):
        CompactIdentifier.from_py3langid(_bent())


def test_a_model_without_a_compact_form_is_kept_as_py3langid_has_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Detection goes on with py3langid's own walk (35 MB more), and the log says so."""
    bent = _bent()
    with caplog.at_level(logging.WARNING):
        assert compact_or_original(bent) is bent
    assert "kept in py3langid's own form" in caplog.text
    probabilities = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    assert compact_or_original(probabilities) is probabilities  # raw scores only


def _as_array(values: Any, typecode: str) -> array:
    out = array(typecode)
    out.frombytes(values.astype(f"u{out.itemsize}").tobytes())
    return out


def test_prefix_table_refuses_a_transition_that_is_not_the_longest_suffix() -> None:
    """After "aa" the longest suffix that is a prefix is "a"; this DFA goes to the root."""
    a, b = ord("a"), ord("b")
    nextmove, rows = _automaton({(0, a): 1, (1, b): 2, (2, a): 1}, 3)  # (1, a) -> root
    with pytest.raises(ValueError, match="longest suffix"):
        prefix_table(nextmove, rows, [-1, 1, 0])


def test_prefix_table_refuses_unreachable_states() -> None:
    nextmove, rows = _automaton({(0, ord("a")): 1}, 3)  # state 2 is never reached
    with pytest.raises(ValueError, match="no input reaches"):
        prefix_table(nextmove, rows, [-1, 0, 1])
