"""The application services on an in-memory ledger: who may do what, and the
code each refusal answers with (NOT_FOUND hides, FORBIDDEN refuses)."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from domain.actors import Role
from domain.calls import commands as cc
from domain.calls.aggregates import Call
from domain.directory import commands as dc
from domain.errors import DomainError, UnauthenticatedError
from tests.calls.support import CRITERIA, LATER, World, ctx

CAROL, RITA, ALICE = (ctx("carol", Role.CORPORATE), ctx("rita", Role.CORPORATE),
                      ctx("alice", Role.STARTUP))


@pytest.fixture
def world() -> World:
    return World.create()


def draft(world: World, user: str = "carol", org: str = "corp") -> UUID:
    cmd = cc.DraftCall(corporate_id=world.orgs[org], title="Stockage", challenge="Défi",
                       criteria=[cc.CriterionInput.model_validate(c) for c in CRITERIA],
                       deadline=LATER)
    return world.calls.draft_call(cmd, ctx(user, Role.CORPORATE)).stream_id


def published(world: World) -> UUID:
    call_id = draft(world)
    world.calls.publish_call(cc.CallCommand(id=call_id), ctx("carol", Role.CORPORATE))
    return call_id


def submit(world: World, call_id: UUID, user: str = "alice", org: str = "alpha") -> UUID:
    cmd = cc.SubmitApplication(call_id=call_id, startup_id=world.orgs[org], pitch="Pitch")
    return world.applications.submit_application(cmd, ctx(user, Role.STARTUP)).stream_id


def refusal(run: object) -> tuple[str, tuple[str, ...]]:
    with pytest.raises(DomainError) as refused:
        run()  # type: ignore[operator]
    return refused.value.code, refused.value.field


def test_a_visitor_must_sign_in_to_draft(world: World) -> None:
    with pytest.raises(UnauthenticatedError):
        draft(world, user=None)  # type: ignore[arg-type]


def test_only_the_corporates_members_draft_its_calls(world: World) -> None:
    assert refusal(lambda: draft(world, user="rita")) == ("FORBIDDEN", ("input", "corporateId"))


def test_drafting_for_an_unknown_corporate_is_not_found(world: World) -> None:
    world.orgs["ghost"] = uuid4()
    assert refusal(lambda: draft(world, org="ghost"))[0] == "NOT_FOUND"


def test_another_corporate_does_not_even_see_a_draft(world: World) -> None:
    call_id = draft(world)
    publish = lambda: world.calls.publish_call(cc.CallCommand(id=call_id), RITA)  # noqa: E731
    assert refusal(publish) == ("NOT_FOUND", ("input", "id"))


def test_another_corporate_sees_a_published_call_but_may_not_close_it(world: World) -> None:
    call_id = published(world)
    close = lambda: world.calls.close_call(cc.CallCommand(id=call_id), RITA)  # noqa: E731
    assert refusal(close)[0] == "FORBIDDEN"


def test_an_operator_may_not_change_a_call(world: World) -> None:
    call_id = published(world)
    close = lambda: world.calls.close_call(cc.CallCommand(id=call_id), ctx("olga", Role.OPERATOR))  # noqa: E731
    assert refusal(close)[0] == "FORBIDDEN"


def test_a_stale_expected_version_is_a_conflict(world: World) -> None:
    call_id = published(world)
    stale = cc.CallCommand(id=call_id, expected_version=1)
    close = lambda: world.calls.close_call(stale, CAROL)  # noqa: E731
    assert refusal(close)[0] == "CONFLICT"


def test_a_startup_cannot_apply_to_a_draft_it_cannot_see(world: World) -> None:
    call_id = draft(world)
    assert refusal(lambda: submit(world, call_id)) == ("NOT_FOUND", ("input", "callId"))


def test_a_startup_applies_only_for_itself(world: World) -> None:
    call_id = published(world)
    assert refusal(lambda: submit(world, call_id, user="bruno"))[0] == "FORBIDDEN"


def test_the_solution_of_another_startup_is_invalid(world: World) -> None:
    call_id = published(world)
    solution = world.directory.publish_solution(
        dc.PublishSolution(startup_id=world.orgs["beta"], title="S", summary="S", trl=5),
        ctx("bruno", Role.STARTUP)).stream_id
    cmd = cc.SubmitApplication(call_id=call_id, startup_id=world.orgs["alpha"],
                               solution_id=solution, pitch="Pitch")
    run = lambda: world.applications.submit_application(cmd, ctx("alice", Role.STARTUP))  # noqa: E731
    assert refusal(run) == ("INVALID", ("input", "solutionId"))


def test_another_startup_does_not_even_see_an_application(world: World) -> None:
    application = submit(world, published(world))
    withdraw = lambda: world.applications.withdraw_application(  # noqa: E731
        cc.ApplicationCommand(id=application), ctx("bruno", Role.STARTUP))
    assert refusal(withdraw)[0] == "NOT_FOUND"


def test_the_applicant_may_not_score_its_own_application(world: World) -> None:
    application = submit(world, published(world))
    score = lambda: world.applications.score_application(  # noqa: E731
        cc.ScoreApplication(id=application, criterion="Impact", value=9), ALICE)
    assert refusal(score)[0] == "FORBIDDEN"


def test_an_award_goes_to_the_applications_selected_on_their_own_streams(world: World) -> None:
    call_id = published(world)
    winner, other = submit(world, call_id), submit(world, call_id, "bruno", "beta")
    for step in (world.calls.close_call, world.calls.start_evaluation):
        step(cc.CallCommand(id=call_id), CAROL)
    for criterion in ("Innovation", "Impact"):
        score = cc.ScoreApplication(id=winner, criterion=criterion, value=8)
        world.applications.score_application(score, CAROL)
    world.applications.select_application(cc.ApplicationCommand(id=winner), CAROL)
    world.applications.reject_application(cc.RejectApplication(id=other, reason="Non"), CAROL)
    world.calls.award_call(cc.CallCommand(id=call_id), CAROL)
    call = world.ledger.load(Call, call_id)
    assert (call.status, call.awarded) == ("AWARDED", [winner])
