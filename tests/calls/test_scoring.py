"""The weighted score and the criteria rule, as pure functions."""

from __future__ import annotations

from domain.calls.rules import criteria_problem, weighted_score

CRITERIA = [("Innovation", 60), ("Impact", 40)]


def test_the_weighted_score_weighs_the_mean_of_each_criterion() -> None:
    scores = [("Innovation", 8), ("Innovation", 6), ("Impact", 5)]
    assert weighted_score(CRITERIA, scores) == (7 * 60 + 5 * 40) / 100


def test_the_weighted_score_is_null_until_every_criterion_is_scored() -> None:
    assert weighted_score(CRITERIA, [("Innovation", 8)]) is None


def test_perfect_scores_give_ten() -> None:
    assert weighted_score(CRITERIA, [("Innovation", 10), ("Impact", 10)]) == 10


def test_criteria_need_weights_adding_up_to_100() -> None:
    assert criteria_problem([("Prix", 60), ("Délai", 30)]) is not None
    assert criteria_problem(CRITERIA) is None
