"""Migration 0008 makes passerelle_unaccent and passerelle_tsv cheaper: they
must give exactly what the 0001 definitions gave, or stored search vectors
would no longer match the queries' (and a rebuild would change them)."""

from __future__ import annotations

import asyncpg

# The 0001 map, as it was (its two strings differ in length: pairs by position).
FROM = ("àáâãäåāăąçćĉċčďđèéêëēĕėęěĝğġģĥħìíîïĩīĭįıĵķĺļľŀłñńņňòóôõöøōŏőœŕŗřśŝşšţťŧùúûüũūŭůűųŵýÿ"
        "ŷźżžæ")
TO = "aaaaaaaaacccccddeeeeeeeeegggghhiiiiiiiiijklllllnnnnoooooooooorrrssssttttuuuuuuuuuuwyyyzzza"
TEXTS = [
    FROM, FROM.upper(), "plain ASCII text", "", "Électricité à Besançon, Œuvre",
    "Ærø ŒUF ß ẞ İstanbul ǅ", "naïve façade — « quoted » 42 €", "ÿ alone", "ŵ and é",
    "Capteurs photoniques pour la maintenance prédictive", None,
    *(f"x{letter}y {letter.upper()}" for letter in FROM),
]


async def test_accent_folding_and_vectors_are_those_of_0001(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT t, passerelle_unaccent(t) AS now, translate(lower(t), $2, $3) AS was,"
            " passerelle_tsv(t) = (to_tsvector('french', translate(lower(coalesce(t, '')),"
            " $2, $3)) || to_tsvector('english', translate(lower(coalesce(t, '')), $2, $3)))"
            " AS same_vector FROM unnest($1::text[]) AS t", TEXTS, FROM, TO)
    finally:
        await conn.close()
    assert [(r["t"], r["now"]) for r in rows] == [(r["t"], r["was"]) for r in rows]
    assert all(r["same_vector"] for r in rows)
