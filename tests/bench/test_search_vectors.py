"""The replay bench's what-if search configurations (`python -m bench.replay
--search-vectors`): each gives passerelle_tsv another body, on the bench's
own database, so that the replay measures what that configuration would buy."""

from __future__ import annotations

import psycopg
import pytest

from bench.replay import SEARCH_VECTORS, use_search_vectors


def _lexemes(database_url: str, text: str) -> set[str]:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT array(SELECT lexeme FROM unnest(passerelle_tsv(%s)))",
                           (text,)).fetchone()
    assert row is not None
    return set(row[0])


@pytest.mark.parametrize(("variant", "lexemes"), [
    ("current", {"energ", "energi"}),  # migration 0008: French and English stems
    ("french", {"energ"}),
    ("simple", {"energies"}),  # folded, not stemmed
    ("none", set()),
])
def test_each_variant_gives_its_own_vectors_of_the_folded_text(
        database_url: str, variant: str, lexemes: set[str]) -> None:
    use_search_vectors(database_url, variant)

    assert _lexemes(database_url, "Énergies") == lexemes


def test_every_variant_is_tested() -> None:
    assert set(SEARCH_VECTORS) == {"current", "french", "simple", "none"}
