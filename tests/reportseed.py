"""A simulated community's history, written straight into the tables the impact report reads.

For the report's browser test, its benchmark (50 meetings, 400 members, 5,000 tasks) and the sample
report in ``docs/``: meetings held every two weeks, members of every role who come often or seldom
(some join later, some come once and not again), tasks agreed at meetings and mostly done, questions
asked and answered, and a check-in after most meetings whose lay members feel a little less able to
speak at first and more as the months go by. Deterministic for a given ``seed``. The end-to-end test
(``tests/cogs/test_report.py``) builds its community through the real bot instead.

Rows are written in a few ``executemany`` batches through the database's own transaction, so the same
code seeds SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.storage.database import Database

START = datetime(2026, 1, 6, 18, 0, tzinfo=UTC)
MEETING_LENGTH = timedelta(minutes=90)
#: Roles in a typical CoP (the study: patients and public with clinicians, GPs, commissioners …).
ROLE_WEIGHTS = {
    "lay": 38,
    "clinician": 16,
    "gp": 10,
    "commissioner": 7,
    "manager": 7,
    "researcher": 10,
    "facilitator": 6,
    "other": 3,
    None: 3,
}


@dataclass
class Seeded:
    """What was written, for tests to check figures against."""

    guild_id: int
    member_ids: list[int] = field(default_factory=list)
    roles: dict[int, str] = field(default_factory=dict)
    meeting_starts: list[datetime] = field(default_factory=list)
    tasks: int = 0


def _iso(when: datetime) -> str:
    return when.isoformat()


async def seed_community(
    db: Database,
    *,
    guild_id: int = 4_200_000_000_000_000_001,
    meetings: int = 8,
    members: int = 30,
    tasks: int = 60,
    seed: int = 31,
    start: datetime = START,
    every: timedelta = timedelta(days=14),
) -> Seeded:
    """Write a community's meetings, attendance, tasks, questions and check-ins (see the module docstring)."""
    rng = random.Random(seed)
    out = Seeded(guild_id)
    keys = list(ROLE_WEIGHTS)
    weights = list(ROLE_WEIGHTS.values())
    people: list[tuple[int, str | None, float, int]] = []  # id, role, how often they come, first meeting
    for index in range(members):
        uid = guild_id + 1000 + index
        role = rng.choices(keys, weights)[0]
        if role == "facilitator" or index < 2:
            role, often, first = "facilitator", 0.95, 0
        else:
            often = rng.choice((0.9, 0.75, 0.6, 0.35, 0.15))
            first = 0 if rng.random() < 0.7 else rng.randrange(meetings)
        people.append((uid, role, often, first))
        out.member_ids.append(uid)
        if role is not None:
            out.roles[uid] = role
    profiles = [(guild_id, uid, role, _iso(start)) for uid, role, _, _ in people if role is not None]

    sessions: list[tuple] = []
    attendance: list[tuple] = []
    came: list[list[int]] = []
    for k in range(meetings):
        began = start + every * k
        out.meeting_starts.append(began)
        sessions.append((guild_id, k + 1, f"Meeting {k + 1}", "closed", _iso(began), _iso(began + MEETING_LENGTH), 1))
        here = []
        for uid, _role, often, first in people:
            if k < first:
                continue
            chance = often if k > first else 1.0  # everyone comes to their first meeting
            if first > 0 and k > first and often <= 0.15:
                chance = 0.0  # the ones who came once and not again
            if rng.random() < chance:
                here.append(uid)
                joined = began + timedelta(minutes=rng.choice((0, 0, 2, 5, 10)))
                attendance.append((guild_id, k + 1, uid, _iso(joined), _iso(began + MEETING_LENGTH)))
        came.append(here)

    task_rows: list[tuple] = []
    per_meeting = max(tasks // max(meetings, 1), 0)
    extra = tasks - per_meeting * meetings
    number = 0
    for k in range(meetings):
        began = start + every * k
        count = per_meeting + (1 if k < extra else 0)
        for _ in range(count):
            number += 1
            created = began + timedelta(minutes=rng.randrange(5, 85))
            due = created + timedelta(days=rng.choice((5, 7, 10, 12, 21)))
            doer = rng.choice(came[k] or out.member_ids)
            roll = rng.random()
            if roll < 0.62 + 0.02 * min(k, 10):
                status, closed = "done", created + timedelta(days=rng.uniform(1, 13))
            elif roll < 0.84:
                status, closed = "done", created + timedelta(days=rng.uniform(14, 45))  # done, but late
            elif roll < 0.93:
                status, closed = "open", None
            else:
                status, closed = "removed", created + timedelta(days=2)
            task_rows.append(
                (guild_id, number, "Seeded task", doer, 1, _iso(due), status, _iso(created), closed and _iso(closed))
            )
    out.tasks = number

    questions: list[tuple] = []
    qnumber = 0
    for k in range(meetings):
        began = start + every * k
        for _ in range(rng.randrange(2, 8)):
            qnumber += 1
            created = began + timedelta(minutes=rng.randrange(3, 80))
            kind = "explain" if rng.random() < 0.25 else "question"
            roll = rng.random()
            if roll < 0.6:
                status, answered = "answered", created + timedelta(minutes=rng.randrange(1, 8))
                answered = min(answered, began + MEETING_LENGTH)
            elif roll < 0.8:
                status, answered = "answered", began + every / 2
            else:
                status, answered = "open", None
            questions.append(
                (guild_id, qnumber, kind, "Seeded question", status, _iso(created), answered and _iso(answered))
            )

    pulses: list[tuple] = []
    answers: list[tuple[int, tuple]] = []
    pnumber = 0
    for k in range(meetings):
        if rng.random() < 0.15 or not came[k]:
            continue  # no check-in sent after this meeting
        pnumber += 1
        began = start + every * k
        closed = began + MEETING_LENGTH + timedelta(hours=48)
        pulses.append(
            (
                guild_id,
                pnumber,
                k + 1,
                f"Meeting {k + 1}",
                "closed",
                _iso(began + MEETING_LENGTH),
                _iso(closed),
                _iso(closed),
                len(came[k]),
                1,
            )
        )
        confidence = min(k / max(meetings - 1, 1), 1.0)
        for uid in came[k]:
            if rng.random() > 0.7:
                continue
            role = out.roles.get(uid)
            lay = role == "lay"
            felt = _score(rng, (3.2 + 1.1 * confidence) if lay else 4.2)
            understood = _score(rng, (3.4 + 0.9 * confidence) if lay else 4.4)
            good_use = _score(rng, 4.0)
            shared = role if rng.random() < 0.85 else None
            answers.append((pnumber, (felt, understood, good_use, shared, None)))

    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO member_profiles (guild_id, user_id, role, updated_at) VALUES (?, ?, ?, ?)", profiles
        )
        await tx.executemany(
            "INSERT INTO meeting_sessions (guild_id, number, title, status, started_at, ended_at, started_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            sessions,
        )
        ids = {
            int(r[0]): int(r[1])
            for r in await tx.fetchall("SELECT number, id FROM meeting_sessions WHERE guild_id = ?", (guild_id,))
        }
        await tx.executemany(
            "INSERT INTO meeting_attendance (guild_id, session_id, user_id, joined_at, left_at) VALUES (?, ?, ?, ?, ?)",
            [(g, ids[n], uid, j, left) for g, n, uid, j, left in attendance],
        )
        await tx.executemany(
            "INSERT INTO tasks (guild_id, number, description, assignee_id, creator_id, due_at, status, created_at,"
            " closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            task_rows,
        )
        await tx.executemany(
            "INSERT INTO questions (guild_id, number, kind, text, status, created_at, answered_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            questions,
        )
        await tx.executemany(
            "INSERT INTO pulses (guild_id, number, session_id, title, status, opened_at, closes_at, closed_at,"
            " invited, opened_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(g, n, ids[s], t, st, o, c, cl, inv, by) for g, n, s, t, st, o, c, cl, inv, by in pulses],
        )
        pulse_ids = {
            int(r[0]): int(r[1])
            for r in await tx.fetchall("SELECT number, id FROM pulses WHERE guild_id = ?", (guild_id,))
        }
        await tx.executemany(
            "INSERT INTO pulse_answers (id, pulse_id, felt_able, understood, good_use, role, comment)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(secrets.token_bytes(16), pulse_ids[n], *values) for n, values in answers],
        )
    return out


def _score(rng: random.Random, centre: float) -> int:
    return max(1, min(5, round(rng.gauss(centre, 0.8))))


def main() -> int:
    """``python -m tests.reportseed OUT.html [--screenshot OUT.png]``: the sample report in ``docs/``.

    Seeds a simulated community into a throwaway SQLite file, writes its report with ``copbot report``
    (as a host would) and, with ``--screenshot``, a full-page screenshot from headless Chromium.
    """
    import argparse
    import asyncio
    import os
    import tempfile
    from pathlib import Path

    parser = argparse.ArgumentParser(description="Write the sample impact report of a simulated community.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--screenshot", type=Path)
    parser.add_argument("--last", type=int, default=8)
    args = parser.parse_args()
    from bot.cli import main as copbot

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "copbot.db"

        async def seed() -> None:
            db = Database(target, exclusive=False)
            await db.open()
            try:
                await seed_community(db, meetings=args.last, members=32, tasks=8 * args.last)
            finally:
                await db.close()

        asyncio.run(seed())
        os.environ["COPBOT_DB"] = str(target)
        os.environ.setdefault("COPBOT__COMMUNITY__NAME", "Knee Pain CoP (a simulated community)")
        code = copbot(["report", "--last", str(args.last), str(args.out)])
    if code == 0 and args.screenshot:
        from tests.browser import open_page

        args.screenshot.write_bytes(open_page(args.out, width=1000).screenshot)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
