"""Agreements under random command sequences: every signature is for the
current revision and its terms hash, the agreement is in force exactly when
both parties signed the current revision, and its terms are frozen once it has
left negotiation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.deals.agreements import Agreement
from domain.deals.terms import Terms, terms_hash
from tests.properties.support import MACHINE_SETTINGS, META, Journal

CORPORATE, STARTUP, STRANGER = UUID(int=1), UUID(int=2), UUID(int=99)


def terms(scope: str, months: int, criteria: list[str]) -> dict[str, Any]:
    return Terms.model_validate({
        "scope": scope, "success_criteria": criteria, "foreground_ip_owner": "JOINT",
        "confidentiality_months": 24, "duration_months": months,
    }).canonical()


TERMS = st.builds(terms, st.sampled_from(["Fret", "Rail", "Batteries"]),
                  st.integers(1, 3), st.sampled_from([[], ["-8 % km"], ["-8 % km", "+2 %"]]))


class AgreementMachine(RuleBasedStateMachine):
    journal: Journal
    agreement: Agreement

    @initialize(kind=st.sampled_from(["NDA", "PILOT"]), first=TERMS)
    def propose(self, kind: str, first: dict[str, Any]) -> None:
        if kind == "PILOT" and not first["success_criteria"]:
            first = {**first, "success_criteria": ["-8 % km"]}
        agreement = Agreement.propose(kind, "Pilot", CORPORATE, STARTUP, None, first, META)
        self.journal, self.agreement = Journal(agreement), agreement
        self.frozen_hash: str | None = None

    @rule(new=TERMS)
    def amend(self, new: dict[str, Any]) -> None:
        before = (self.agreement.status, self.agreement.terms_hash, self.agreement.revision)
        applied = self.journal.run(lambda: self.agreement.amend(new, META))
        pilot_without_criteria = self.agreement.kind == "PILOT" and not new["success_criteria"]
        assert applied == (before[0] == "NEGOTIATING" and terms_hash(new) != before[1]
                           and not pilot_without_criteria)
        if applied:
            assert self.agreement.revision == before[2] + 1
            assert self.agreement.signatures == {}

    @rule(party=st.sampled_from([CORPORATE, STARTUP, STRANGER]), stale=st.booleans())
    def sign(self, party: UUID, stale: bool) -> None:
        revision = self.agreement.revision - 1 if stale else self.agreement.revision
        before = dict(self.agreement.signatures)
        status = self.agreement.status
        applied = self.journal.run(lambda: self.agreement.sign(party, "someone", revision, META))
        assert applied == (party != STRANGER and status == "NEGOTIATING" and not stale
                           and str(party) not in before)
        if applied:
            assert set(self.agreement.signatures) == {*before, str(party)}

    @rule()
    def reject(self) -> None:
        status = self.agreement.status
        assert self.journal.run(lambda: self.agreement.reject("No", META)) == (
            status == "NEGOTIATING")

    @rule()
    def terminate(self) -> None:
        status = self.agreement.status
        now = datetime.now(UTC)
        assert self.journal.run(lambda: self.agreement.terminate("Over", now, META)) == (
            status == "IN_FORCE")

    @invariant()
    def signatures_are_for_the_current_revision(self) -> None:
        for organisation, signature in self.agreement.signatures.items():
            assert UUID(organisation) in self.agreement.parties
            assert signature["revision"] == self.agreement.revision
            assert signature["terms_hash"] == self.agreement.terms_hash
        assert self.agreement.terms_hash == terms_hash(self.agreement.terms)

    @invariant()
    def in_force_exactly_when_both_parties_signed_the_current_revision(self) -> None:
        both = set(self.agreement.signatures) == {str(CORPORATE), str(STARTUP)}
        status = self.agreement.status
        if status in ("IN_FORCE", "TERMINATED"):
            assert both
        if status == "NEGOTIATING":
            assert not both

    @invariant()
    def terms_are_frozen_once_out_of_negotiation(self) -> None:
        if self.agreement.status == "NEGOTIATING":
            return
        if self.frozen_hash is None:
            self.frozen_hash = self.agreement.terms_hash
        assert self.agreement.terms_hash == self.frozen_hash

    @invariant()
    def replaying_the_events_gives_the_same_agreement(self) -> None:
        self.journal.check_replay(("status", "terms", "terms_hash", "revision", "signatures"))


AgreementMachine.TestCase.settings = MACHINE_SETTINGS
test_agreements_keep_their_invariants = AgreementMachine.TestCase
