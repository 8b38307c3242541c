"""Questions as CSV for facilitators (meeting notes, follow-up)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

from bot.questions.text import EXPLAIN_PREFIX
from bot.storage.questions import Question

HEADER = ("number", "text", "status", "votes", "created_at", "answered_at", "answer")
# A cell starting with one of these is a formula to spreadsheet programs; prefix it so it stays text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def questions_csv(questions: Iterable[Question], answers: Mapping[int, str] | None = None) -> str:
    """CSV text with one row per question, times in ISO 8601 UTC, oldest first.

    ``answers`` maps a question's number to its written answer (empty cell when there is none).
    """
    answers = answers or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for q in questions:
        text = EXPLAIN_PREFIX + q.text if q.kind == "explain" else q.text
        writer.writerow(
            (
                "" if q.number is None else q.number,
                _cell(text),
                q.status,
                q.votes,
                q.created_at.isoformat(),
                q.answered_at.isoformat() if q.answered_at else "",
                _cell(answers.get(q.number, "")) if q.number is not None else "",
            )
        )
    return out.getvalue()
