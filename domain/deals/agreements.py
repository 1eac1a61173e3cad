"""The Agreement aggregate: negotiated revisions of terms, signatures that name
a revision and its hash, entry into force, termination, expiry once its
duration has run out. Public methods decide; private `@event` methods only
assign, so replay never re-runs a rule."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from dateutil.relativedelta import relativedelta
from eventsourcing.domain import Aggregate, event

from domain.deals.terms import terms_hash
from domain.errors import ConflictError, ForbiddenError, InvalidError, RuleViolationError

Meta = dict[str, Any]

KINDS = ("NDA", "MEMORANDUM", "PILOT", "COMMERCIAL", "LICENCE")
NEGOTIATING, IN_FORCE, TERMINATED, REJECTED = "NEGOTIATING", "IN_FORCE", "TERMINATED", "REJECTED"
EXPIRED = "EXPIRED"
TERMS_FIELD = ("input", "terms")


def check_terms(kind: str, terms: dict[str, Any]) -> None:
    """Rules of the clauses that depend on the kind of agreement."""
    if kind == "PILOT" and not terms["success_criteria"]:
        raise InvalidError(
            "A pilot needs at least one measurable success criterion",
            (*TERMS_FIELD, "successCriteria"),
        )


class Agreement(Aggregate):
    """An agreement between one corporate and one startup."""

    if TYPE_CHECKING:  # assigned by the events below
        kind: str
        title: str
        corporate_id: str
        startup_id: str
        application_id: str | None
        terms: dict[str, Any]
        terms_hash: str
        revision: int
        status: str
        signatures: dict[str, dict[str, Any]]
        reason: str | None

    @classmethod
    def propose(
        cls, kind: str, title: str, corporate_id: UUID, startup_id: UUID,
        application_id: UUID | None, terms: dict[str, Any], meta: Meta,
    ) -> Agreement:
        """Revision 1 of the terms, with no signature yet."""
        check_terms(kind, terms)
        return cls(
            kind=kind, title=title, corporate_id=str(corporate_id), startup_id=str(startup_id),
            application_id=str(application_id) if application_id else None, terms=terms,
            terms_hash=terms_hash(terms), revision=1, meta=meta,
        )

    @event("AgreementProposed")
    def __init__(
        self, kind: str, title: str, corporate_id: str, startup_id: str,
        application_id: str | None, terms: dict[str, Any], terms_hash: str, revision: int,
        meta: Meta,
    ) -> None:
        self.kind = kind
        self.title = title
        self.corporate_id = corporate_id
        self.startup_id = startup_id
        self.application_id = application_id
        self.terms = terms
        self.terms_hash = terms_hash
        self.revision = revision
        self.status = NEGOTIATING
        self.signatures = {}
        self.reason = None

    @property
    def parties(self) -> frozenset[UUID]:
        return frozenset({UUID(self.corporate_id), UUID(self.startup_id)})

    def _require_negotiating(self, doing: str) -> None:
        if self.status != NEGOTIATING:
            raise RuleViolationError(f"An agreement that is {self.status} cannot be {doing}")

    def amend(self, terms: dict[str, Any], meta: Meta) -> None:
        """A new revision: new hash, every signature voided."""
        self._require_negotiating("amended")
        check_terms(self.kind, terms)
        new_hash = terms_hash(terms)
        if new_hash == self.terms_hash:
            raise RuleViolationError("The amendment changes no clause", TERMS_FIELD)
        self._amended(terms=terms, terms_hash=new_hash, revision=self.revision + 1, meta=meta)

    @event("AgreementAmended")
    def _amended(self, terms: dict[str, Any], terms_hash: str, revision: int, meta: Meta) -> None:
        self.terms = terms
        self.terms_hash = terms_hash
        self.revision = revision
        self.signatures = {}

    def sign(self, organisation_id: UUID, user_id: str, revision: int, meta: Meta) -> None:
        """Signs the current revision for one party; the second party's
        signature puts the agreement in force."""
        if organisation_id not in self.parties:
            raise ForbiddenError("Only the two parties sign", ("input", "organisationId"))
        self._require_negotiating("signed")
        if revision != self.revision:
            raise ConflictError(
                f"Revision {revision} is not the current one ({self.revision})",
                ("input", "revision"),
            )
        if str(organisation_id) in self.signatures:
            raise RuleViolationError("This party has already signed this revision",
                                     ("input", "organisationId"))
        self._signed(organisation_id=str(organisation_id), user_id=user_id,
                     revision=revision, terms_hash=self.terms_hash, meta=meta)
        if len(self.signatures) == len(self.parties):
            self._entered_into_force(meta=meta)

    @event("AgreementSigned")
    def _signed(
        self, organisation_id: str, user_id: str, revision: int, terms_hash: str, meta: Meta
    ) -> None:
        signature = {"user_id": user_id, "revision": revision, "terms_hash": terms_hash}
        self.signatures = {**self.signatures, organisation_id: signature}

    @event("AgreementEnteredIntoForce")
    def _entered_into_force(self, meta: Meta) -> None:
        self.status = IN_FORCE

    def reject(self, reason: str | None, meta: Meta) -> None:
        """Either party walks away while negotiating."""
        self._require_negotiating("rejected")
        self._rejected(reason=reason, meta=meta)

    @event("AgreementRejected")
    def _rejected(self, reason: str | None, meta: Meta) -> None:
        self.status = REJECTED
        self.reason = reason

    def terminate(self, reason: str, now: datetime, meta: Meta) -> None:
        """Ends an agreement in force before its duration has run out (after
        that it expires); the only change it still accepts."""
        if self.status != IN_FORCE:
            raise RuleViolationError(f"Only an agreement in force can be terminated, not a "
                                     f"{self.status} one")
        require_within_duration(self, now, "it expires, it is not terminated")
        self._terminated(reason=reason, meta=meta)

    @event("AgreementTerminated")
    def _terminated(self, reason: str, meta: Meta) -> None:
        self.status = TERMINATED
        self.reason = reason

    def in_force_until(self) -> datetime:
        """When an agreement in force runs out: its duration after its entry into
        force. An agreement in force accepts no change but its end, so its last
        event is that entry, and `modified_on` is when it happened."""
        if self.status != IN_FORCE:
            raise RuleViolationError(f"An agreement that is {self.status} is not in force")
        return self.modified_on + relativedelta(months=int(self.terms["duration_months"]))

    def expire(self, now: datetime, meta: Meta) -> None:
        """Ends an agreement in force whose duration has run out (the platform
        records it: see infra/expiry.py); before that, it stays in force."""
        until = self.in_force_until()
        if now < until:
            raise RuleViolationError(f"The agreement is in force until {until.isoformat()}")
        self._expired(until=until, meta=meta)

    @event("AgreementExpired")
    def _expired(self, until: datetime, meta: Meta) -> None:
        self.status = EXPIRED


def require_in_force(agreement: Agreement, now: datetime, field: tuple[str, ...]) -> None:
    """Orders and loans build on agreements in force only, and not on one whose
    duration has run out before the platform has recorded its expiry."""
    if agreement.status != IN_FORCE:
        raise RuleViolationError(f"The agreement is {agreement.status}, not IN_FORCE", field)
    require_within_duration(agreement, now, "it is no longer in force", field)


def require_within_duration(agreement: Agreement, now: datetime, consequence: str,
                            field: tuple[str, ...] = ()) -> None:
    until = agreement.in_force_until()
    if now >= until:
        raise RuleViolationError(
            f"The agreement's duration ran out on {until.isoformat()}: {consequence}", field)
