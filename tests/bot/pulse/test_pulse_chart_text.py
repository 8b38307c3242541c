"""The trend chart's words (its alternative text and the reply's text equivalent) say the same as the
chart: a check-in with too few answers, or a statement whose numbers are held back, has no number."""

from __future__ import annotations

from bot.pulse.chart import point_text, trend_description
from bot.pulse.results import TrendPoint


def test_a_held_back_statement_is_named_without_a_number() -> None:
    point = TrendPoint("#3", 6, (4.5, None, 3.0))
    assert point_text(point) == "check-in #3: felt able to speak 4.5, understood not shown, good use of time 3.0"


def test_too_few_answers_and_the_description_give_the_same_words() -> None:
    points = [TrendPoint("#1", 2, None), TrendPoint("#2", 5, (None, None, None))]
    assert point_text(points[0]) == "check-in #1: too few answers to show"
    described = trend_description(points)
    assert described.startswith("Line chart of the three average scores, from 1 to 5, at the last 2 check-ins. ")
    assert "check-in #2: felt able to speak not shown, understood not shown, good use of time not shown." in described
