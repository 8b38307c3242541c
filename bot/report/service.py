"""Build one impact report: read the rows, compute the figures, render the page and the CSV. No Discord.

Shared by ``/meeting report`` (:mod:`cogs._report`) and ``copbot report`` (:mod:`bot.report.cli`), so
the file a facilitator gets in Discord and the one the host writes offline are made the same way.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from bot.errors import NotFoundError, UserError
from bot.report.csvfile import render_csv
from bot.report.figures import (
    CheckIns,
    Figures,
    attendance_figures,
    check_in_row,
    meeting_ref,
    question_figures,
    task_figures,
)
from bot.report.page import render_html
from bot.storage.database import Database
from bot.storage.members import MemberRepository
from bot.storage.report import ReportRepository

#: The span a report may cover, in meetings (as ``/meeting attendance``).
MOST_MEETINGS = 50
DEFAULT_MEETINGS = 6
NO_MEETINGS = "No meeting has been held with `/meeting start` and `/meeting end` yet. So there is nothing to report."


@dataclass(frozen=True, slots=True)
class ReportFiles:
    """The report page and its figures as CSV, ready to send or write."""

    figures: Figures
    html: str
    csv: str

    @property
    def html_name(self) -> str:
        return f"copbot-report-meetings-{self._span}.html"

    @property
    def csv_name(self) -> str:
        return f"copbot-report-meetings-{self._span}.csv"

    @property
    def _span(self) -> str:
        ms = self.figures.meetings
        return f"{ms[0].number}-{ms[-1].number}" if len(ms) > 1 else str(ms[0].number)


async def gather_figures(
    db: Database,
    guild_id: int,
    *,
    last: int,
    community: str,
    timezone: str,
    min_group: int,
    now: datetime,
) -> Figures:
    """The figures for the server's ``last`` meetings (a :class:`UserError` for a span out of range)."""
    if not 1 <= last <= MOST_MEETINGS:
        raise UserError(f"Please choose between 1 and {MOST_MEETINGS} meetings.")
    repo = ReportRepository(db)
    sessions = await repo.meetings(guild_id, last)
    if not sessions:
        raise NotFoundError(NO_MEETINGS)
    meetings = [meeting_ref(s) for s in sessions]
    ids = [s.id for s in sessions]
    first, final = meetings[0], meetings[-1]
    roles = await MemberRepository(db).roles_for(guild_id)
    attendees = await repo.attendees(ids)
    seen_before = await repo.earlier_attendees(guild_id, first.number)
    next_start = await repo.next_start(guild_id, final.number)
    tasks = await repo.tasks(guild_id, final.ended_at)
    questions = await repo.questions(guild_id, first.started_at, final.ended_at)
    check_ins = await repo.check_ins(ids)

    def compute() -> Figures:
        return Figures(
            community=community,
            timezone=timezone,
            made_at=now,
            asked_for=last,
            meetings=tuple(meetings),
            attendance=attendance_figures(meetings, [attendees.get(i, set()) for i in ids], roles, seen_before),
            check_ins=CheckIns(
                tuple(check_in_row(m, check_ins.get(i), min_group) for m, i in zip(meetings, ids, strict=True)),
                min_group,
            ),
            tasks=task_figures(meetings, next_start, tasks, roles, min_group),
            questions=question_figures(meetings, questions),
        )

    # Thousands of tasks against dozens of meetings: computed off the event loop.
    return await asyncio.to_thread(compute)


def render(figures: Figures) -> ReportFiles:
    """The page and the CSV (string work; run it in a thread from the event loop)."""
    return ReportFiles(figures, render_html(figures), render_csv(figures))


async def build_report(
    db: Database,
    guild_id: int,
    *,
    last: int = DEFAULT_MEETINGS,
    community: str,
    timezone: str,
    min_group: int,
    now: datetime,
) -> ReportFiles:
    """Read, compute and render one report; the rendering runs in a worker thread."""
    figures = await gather_figures(
        db, guild_id, last=last, community=community, timezone=timezone, min_group=min_group, now=now
    )
    return await asyncio.to_thread(render, figures)
