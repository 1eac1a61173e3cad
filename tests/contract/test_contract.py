"""The served schema is a compatible superset of the public contract
(/work/shared/contract/schema.graphql): `find_breaking_changes(contract,
served)` reports nothing but what NOT_YET_SERVED lists, and that list only
shrinks: once something is served, its line must go."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pytest
from graphql import build_schema, find_breaking_changes

from server import schema_for
from wiring.slices import all_slices

# Breaking changes still reported, by description, while slices are being built.
# Delete a line as soon as its part of the contract is served (a test says which).
NOT_YET_SERVED: list[str] = [
]


def contract_path() -> Path:
    configured = os.environ.get("PASSERELLE_CONTRACT")
    return Path(configured) if configured else (
        Path(__file__).parents[3] / "shared" / "contract" / "schema.graphql")


@pytest.fixture(scope="module")
def reported() -> list[str]:
    """The breaking changes from the contract to the served schema."""
    path = contract_path()
    if not path.is_file():
        pytest.skip(f"no contract at {path} (set PASSERELLE_CONTRACT)")
    contract = build_schema(path.read_text())
    served = build_schema(schema_for(all_slices()).as_str())
    return [change.description for change in find_breaking_changes(contract, served)]


def lines_to_delete(stale: Iterable[str], source: list[str]) -> list[str]:
    """`path:line: text` of each line of the NOT_YET_SERVED list naming a stale entry."""
    path = Path(__file__).relative_to(Path(__file__).parents[2])
    start = next(i for i, line in enumerate(source) if line.startswith("NOT_YET_SERVED"))
    end = next(i for i in range(start, len(source)) if source[i].startswith("]"))
    return [f"{path}:{i + 1}: {source[i].strip()}" for i in range(start, end)
            if any(f'"{entry}"' in source[i] for entry in stale)]


def test_the_served_schema_breaks_nothing_but_what_is_not_yet_served(
    reported: list[str],
) -> None:
    unexpected = sorted(set(reported) - set(NOT_YET_SERVED))
    assert not unexpected, (
        "The served schema breaks the contract (fix the schema; the contract only grows):\n  "
        + "\n  ".join(unexpected))


def test_everything_listed_as_not_yet_served_is_still_missing(reported: list[str]) -> None:
    stale = sorted(set(NOT_YET_SERVED) - set(reported))
    source = Path(__file__).read_text().splitlines()
    assert not stale, (
        "Served now: delete these lines from NOT_YET_SERVED (the list only shrinks):\n  "
        + "\n  ".join(lines_to_delete(stale, source)))


def test_not_yet_served_lists_each_change_once() -> None:
    assert len(NOT_YET_SERVED) == len(set(NOT_YET_SERVED))


def test_a_stale_entry_is_named_with_the_line_that_holds_it() -> None:
    source = ['"Field Query.stats was removed."', "NOT_YET_SERVED = [",
              '    "Field Query.stats was removed.",', '    "Field Query.loan was removed.",', "]"]
    assert lines_to_delete(["Field Query.stats was removed."], source) == [
        'tests/contract/test_contract.py:3: "Field Query.stats was removed.",']
