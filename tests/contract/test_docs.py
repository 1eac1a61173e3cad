"""The README documents every setting the code reads, and its links lead
somewhere: documentation that drifts from the code fails here."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from infra.live import LiveLimits, _env_name
from infra.settings import Settings

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text()


def env_name(field: str) -> str:
    return "DATABASE_URL" if field == "database_url" else f"PASSERELLE_{field.upper()}"


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented_in_the_readme(field: str) -> None:
    assert f"`{env_name(field)}`" in README


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(LiveLimits)])
def test_every_live_limit_is_documented_in_the_readme(field: str) -> None:
    assert f"`{_env_name(field)}`" in README


def test_every_link_of_the_readme_leads_to_a_file() -> None:
    links = re.findall(r"\]\(([^)#]+)\)", README)
    assert links
    assert [link for link in links if not (ROOT / link).is_file()] == []
