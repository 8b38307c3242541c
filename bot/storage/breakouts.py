"""Breakout storage: keep-apart rules, breakout sessions and the meeting history the planner learns from.

A session row holds everything needed to finish what was started: the planned groups, the category and
voice channels made for them, and the timer. That is what lets ``/breakout close`` clean up after a
restart, and why every step of opening records its channel ids as soon as Discord has created them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.clock import utcnow
from bot.errors import UserError
from bot.grouping import History
from bot.storage.database import Database
from bot.storage.tokens import public_token

Status = Literal["planned", "opening", "open", "closing", "closed", "cancelled"]
#: Statuses in which rooms may exist in Discord, so the session must be closed before another opens.
LIVE: tuple[Status, ...] = ("opening", "open", "closing")
#: How many past meetings the planner looks at; older ones weigh almost nothing (the weight halves each time).
HISTORY_MEETINGS = 10

ALREADY_OPEN = "Breakout rooms are already open in this server. Use `/breakout close` to bring everyone back first."


@dataclass(frozen=True, slots=True)
class PlannedMember:
    """One person in a planned group, with the role and facilitator flag the plan was made with."""

    user_id: int
    role: str
    is_facilitator: bool


@dataclass(frozen=True, slots=True)
class BreakoutSession:
    """A breakout session as stored; ``groups`` are in room order (Group 1 first)."""

    id: int
    guild_id: int
    status: Status
    size: int
    seed: int
    groups: tuple[tuple[PlannedMember, ...], ...]
    summary: str
    source_channel_id: int | None
    category_id: int | None
    channel_ids: tuple[int, ...]
    ends_at: datetime | None
    warned: bool
    created_by: int
    #: The id of each room's welcome message, in room order (0 where it could not be posted).
    note_ids: tuple[int, ...] = ()
    #: When each room (numbered from 1) last asked for a facilitator.
    help_asked: dict[int, datetime] = field(default_factory=dict)
    #: Where the facilitators' note with a timed breakout's end (and "Add 5 minutes") is, if posted.
    timer_channel_id: int | None = None
    timer_message_id: int | None = None
    #: Per group (room order): who was in it and was moved to another group while the rooms were open.
    moved_from: tuple[tuple[int, ...], ...] = ()
    #: A random number that the session's buttons carry instead of its row id (``None``: made before).
    token: int | None = None

    @property
    def member_count(self) -> int:
        return sum(len(g) for g in self.groups)

    @property
    def is_live(self) -> bool:
        return self.status in LIVE


@dataclass(frozen=True, slots=True)
class KeepApartRule:
    """Two members who must never share a breakout group (``user_a < user_b``)."""

    guild_id: int
    user_a: int
    user_b: int


def _groups_to_json(groups: list[list[PlannedMember]] | tuple[tuple[PlannedMember, ...], ...]) -> str:
    return json.dumps([[{"id": m.user_id, "role": m.role, "facilitator": m.is_facilitator} for m in g] for g in groups])


def _groups_from_json(text: str) -> tuple[tuple[PlannedMember, ...], ...]:
    return tuple(
        tuple(PlannedMember(int(m["id"]), str(m["role"]), bool(m["facilitator"])) for m in group)
        for group in json.loads(text)
    )


_SESSION_COLUMNS = (
    "id, guild_id, status, size, seed, groups_json, summary, source_channel_id, category_id,"
    " channel_ids_json, ends_at, warned, created_by, note_ids_json, help_json,"
    " timer_channel_id, timer_message_id, moved_json, token"
)


def _session(row: object) -> BreakoutSession:
    r = dict(row)  # type: ignore[call-overload]
    return BreakoutSession(
        id=int(r["id"]),
        guild_id=int(r["guild_id"]),
        status=r["status"],
        size=int(r["size"]),
        seed=int(r["seed"]),
        groups=_groups_from_json(r["groups_json"]),
        summary=str(r["summary"]),
        source_channel_id=r["source_channel_id"],
        category_id=r["category_id"],
        channel_ids=tuple(int(c) for c in json.loads(r["channel_ids_json"])),
        ends_at=datetime.fromisoformat(r["ends_at"]) if r["ends_at"] else None,
        warned=bool(r["warned"]),
        created_by=int(r["created_by"]),
        note_ids=tuple(int(m) for m in json.loads(r["note_ids_json"])),
        help_asked={int(k): datetime.fromisoformat(v) for k, v in json.loads(r["help_json"]).items()},
        timer_channel_id=r["timer_channel_id"],
        timer_message_id=r["timer_message_id"],
        moved_from=tuple(tuple(int(u) for u in g) for g in json.loads(r["moved_json"])),
        token=r["token"],
    )


class BreakoutRepository:
    """Reads and writes keep-apart rules, sessions and breakout history."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ----------------------------------------------------------------- keep apart

    async def add_keep_apart(self, guild_id: int, a: int, b: int, created_by: int) -> bool:
        """Store the rule; False when it already existed (nothing changes then)."""
        if a == b:
            raise UserError("Please choose two different members to keep apart.")
        low, high = sorted((a, b))
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "INSERT OR IGNORE INTO breakout_keep_apart (guild_id, user_a, user_b, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (guild_id, low, high, created_by, utcnow().isoformat()),
            )
        return changed > 0

    async def remove_keep_apart(self, guild_id: int, a: int, b: int) -> bool:
        """Delete the rule; False when there was none."""
        low, high = sorted((a, b))
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "DELETE FROM breakout_keep_apart WHERE guild_id = ? AND user_a = ? AND user_b = ?",
                (guild_id, low, high),
            )
        return changed > 0

    async def keep_apart_rules(self, guild_id: int) -> list[KeepApartRule]:
        rows = await self._db.fetchall(
            "SELECT user_a, user_b FROM breakout_keep_apart WHERE guild_id = ? ORDER BY created_at, user_a, user_b",
            (guild_id,),
        )
        return [KeepApartRule(guild_id, int(r[0]), int(r[1])) for r in rows]

    # ------------------------------------------------------------------ sessions

    async def create_plan(
        self,
        guild_id: int,
        *,
        size: int,
        seed: int,
        groups: list[list[PlannedMember]],
        summary: str,
        source_channel_id: int | None,
        created_by: int,
    ) -> BreakoutSession:
        """Store a new planned session; any older plan not yet opened in this server is dropped."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE breakout_sessions SET status = 'cancelled', closed_at = ?"
                " WHERE guild_id = ? AND status = 'planned'",
                (utcnow().isoformat(), guild_id),
            )
            session_id = await tx.insert(
                "INSERT INTO breakout_sessions (guild_id, status, size, seed, groups_json, summary, source_channel_id,"
                " created_by, created_at, token) VALUES (?, 'planned', ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    guild_id,
                    size,
                    seed,
                    _groups_to_json(groups),
                    summary,
                    source_channel_id,
                    created_by,
                    utcnow().isoformat(),
                    public_token(),
                ),
            )
            row = await tx.fetchone(f"SELECT {_SESSION_COLUMNS} FROM breakout_sessions WHERE id = ?", (session_id,))
        return _session(row)

    async def replan(
        self, session_id: int, *, seed: int, groups: list[list[PlannedMember]], summary: str
    ) -> BreakoutSession:
        """Replace a planned session's groups (Reshuffle); refused once the rooms have been opened."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE breakout_sessions SET seed = ?, groups_json = ?, summary = ?"
                " WHERE id = ? AND status = 'planned'",
                (seed, _groups_to_json(groups), summary, session_id),
            )
            if not changed:
                raise UserError(NOT_PLANNED)
            row = await tx.fetchone(f"SELECT {_SESSION_COLUMNS} FROM breakout_sessions WHERE id = ?", (session_id,))
        return _session(row)

    async def id_for_token(self, token: int) -> int | None:
        """The session a button's token names (``None`` if there is none)."""
        row = await self._db.fetchone("SELECT id FROM breakout_sessions WHERE token = ?", (token,))
        return int(row[0]) if row else None

    async def get(self, session_id: int) -> BreakoutSession | None:
        row = await self._db.fetchone(f"SELECT {_SESSION_COLUMNS} FROM breakout_sessions WHERE id = ?", (session_id,))
        return None if row is None else _session(row)

    async def latest_planned(self, guild_id: int) -> BreakoutSession | None:
        row = await self._db.fetchone(
            f"SELECT {_SESSION_COLUMNS} FROM breakout_sessions WHERE guild_id = ? AND status = 'planned'"
            " ORDER BY id DESC LIMIT 1",
            (guild_id,),
        )
        return None if row is None else _session(row)

    async def live(self, guild_id: int) -> BreakoutSession | None:
        """The session whose rooms exist (or may exist) in this server, if any."""
        row = await self._db.fetchone(
            f"SELECT {_SESSION_COLUMNS} FROM breakout_sessions WHERE guild_id = ?"
            " AND status IN ('opening', 'open', 'closing') LIMIT 1",
            (guild_id,),
        )
        return None if row is None else _session(row)

    async def all_live(self) -> list[BreakoutSession]:
        """Every live session in every server, for rebuilding timers at start-up."""
        rows = await self._db.fetchall(
            f"SELECT {_SESSION_COLUMNS} FROM breakout_sessions WHERE status IN ('opening', 'open', 'closing')"
        )
        return [_session(r) for r in rows]

    async def cancel(self, session_id: int) -> None:
        """Drop a plan that was never opened."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE breakout_sessions SET status = 'cancelled', closed_at = ? WHERE id = ? AND status = 'planned'",
                (utcnow().isoformat(), session_id),
            )
        if not changed:
            raise UserError(NOT_PLANNED)

    async def start_opening(self, session_id: int, ends_at: datetime | None) -> BreakoutSession:
        """Claim the server for this plan: planned → opening. Refused while another session has rooms."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone("SELECT guild_id, status FROM breakout_sessions WHERE id = ?", (session_id,))
            if row is None or row["status"] != "planned":
                raise UserError(NOT_PLANNED)
            other = await tx.fetchone(
                "SELECT id FROM breakout_sessions WHERE guild_id = ? AND status IN ('opening', 'open', 'closing')",
                (row["guild_id"],),
            )
            if other is not None:
                raise UserError(ALREADY_OPEN)
            await tx.execute(
                "UPDATE breakout_sessions SET status = 'opening', opened_at = ?, ends_at = ? WHERE id = ?",
                (utcnow().isoformat(), ends_at.isoformat() if ends_at else None, session_id),
            )
            fresh = await tx.fetchone(f"SELECT {_SESSION_COLUMNS} FROM breakout_sessions WHERE id = ?", (session_id,))
        return _session(fresh)

    async def set_rooms(self, session_id: int, category_id: int | None, channel_ids: list[int]) -> None:
        """Record the rooms Discord has created so far (called after each one, so a crash loses none)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE breakout_sessions SET category_id = ?, channel_ids_json = ? WHERE id = ?",
                (category_id, json.dumps(channel_ids), session_id),
            )

    async def set_ends_at(self, session_id: int, ends_at: datetime | None) -> None:
        """Record when a timed session ends (set once everyone has been moved, when its clock starts)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE breakout_sessions SET ends_at = ? WHERE id = ?",
                (ends_at.isoformat() if ends_at else None, session_id),
            )

    async def back_to_planned(self, session_id: int) -> None:
        """Opening failed and every room was removed: the plan can be tried again."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE breakout_sessions SET status = 'planned', category_id = NULL, channel_ids_json = '[]',"
                " opened_at = NULL, ends_at = NULL, warned = 0, note_ids_json = '[]', help_json = '{}'"
                " WHERE id = ? AND status = 'opening'",
                (session_id,),
            )

    async def set_status(self, session_id: int, status: Status) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE breakout_sessions SET status = ? WHERE id = ?", (status, session_id))

    async def mark_warned(self, session_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE breakout_sessions SET warned = 1 WHERE id = ?", (session_id,))

    async def finish(self, session: BreakoutSession) -> None:
        """Mark the session closed and record its groups as a meeting, in one transaction.

        The groups are read from the row, not from ``session``: a move or a late joiner recorded
        after the caller read the session still counts as who met whom. Someone who was moved is
        recorded in every group they were in (they met the people of each).
        """
        async with self._db.transaction() as tx:
            row = await tx.fetchone("SELECT groups_json, moved_json FROM breakout_sessions WHERE id = ?", (session.id,))
            if row is not None:
                planned = _groups_from_json(row["groups_json"])
                moved = json.loads(row["moved_json"])
            else:
                planned, moved = session.groups, [list(g) for g in session.moved_from]
            groups = [
                list(dict.fromkeys([m.user_id for m in group] + [int(u) for u in (moved[b] if b < len(moved) else [])]))
                for b, group in enumerate(planned)
            ]
            changed = await tx.execute(
                "UPDATE breakout_sessions SET status = 'closed', closed_at = ?, channel_ids_json = '[]',"
                " category_id = NULL WHERE id = ? AND status IN ('opening', 'open', 'closing')",
                (utcnow().isoformat(), session.id),
            )
            if changed:
                await tx.execute(
                    "INSERT INTO breakout_meetings (guild_id, session_id, groups_json, held_at) VALUES (?, ?, ?, ?)",
                    (
                        session.guild_id,
                        session.id,
                        json.dumps([g for g in groups if g]),
                        utcnow().isoformat(),
                    ),
                )

    # ------------------------------------------------------------ while rooms are open

    async def set_groups(
        self, session_id: int, groups: list[list[PlannedMember]], moved: tuple[int, int] | None = None
    ) -> bool:
        """Replace an open session's groups (a move or a late joiner); False once it is no longer open.

        ``moved`` is (user id, index of the group they left) for a move: kept, so that at close they are
        recorded in that group too.
        """
        async with self._db.transaction() as tx:
            row = await tx.fetchone("SELECT moved_json FROM breakout_sessions WHERE id = ?", (session_id,))
            left = json.loads(row["moved_json"]) if row is not None else []
            if moved is not None:
                user_id, group = moved
                left += [[] for _ in range(group + 1 - len(left))]
                if user_id not in left[group]:
                    left[group].append(user_id)
            changed = await tx.execute(
                "UPDATE breakout_sessions SET groups_json = ?, moved_json = ? WHERE id = ? AND status = 'open'",
                (_groups_to_json(groups), json.dumps(left), session_id),
            )
        return changed > 0

    async def set_notes(self, session_id: int, note_ids: list[int]) -> None:
        """Record each room's welcome message id (room order), so a new end time can be shown there."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE breakout_sessions SET note_ids_json = ? WHERE id = ?", (json.dumps(note_ids), session_id)
            )

    async def set_timer_note(self, session_id: int, channel_id: int, message_id: int) -> None:
        """Record the facilitators' note that shows the end time, so "Add 5 minutes" can update it."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE breakout_sessions SET timer_channel_id = ?, timer_message_id = ? WHERE id = ?",
                (channel_id, message_id, session_id),
            )

    async def move_end(self, session_id: int, old: datetime, new: datetime) -> bool:
        """Move an open session's end from ``old`` to ``new`` and re-arm its warning.

        Compare-and-set on ``old``: two facilitators pressing at once each add their minutes, never
        one overwriting the other (the loser re-reads and tries again). False when nothing matched.
        """
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE breakout_sessions SET ends_at = ?, warned = 0 WHERE id = ? AND status = 'open' AND ends_at = ?",
                (new.isoformat(), session_id, old.isoformat()),
            )
        return changed > 0

    async def claim_help(self, session_id: int, room: int, asked_at: datetime, unless_after: datetime) -> bool:
        """Record that ``room`` asked for help at ``asked_at``, unless it last asked after ``unless_after``.

        One transaction reads and writes, so two people pressing at once make one request. False when
        the room had already asked (nothing changes).
        """
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT help_json FROM breakout_sessions WHERE id = ? AND status = 'open'", (session_id,)
            )
            if row is None:
                return False
            asked = json.loads(row["help_json"])
            last = asked.get(str(room))
            if last is not None and datetime.fromisoformat(last) > unless_after:
                return False
            asked[str(room)] = asked_at.isoformat()
            await tx.execute("UPDATE breakout_sessions SET help_json = ? WHERE id = ?", (json.dumps(asked), session_id))
        return True

    async def release_help(self, session_id: int, room: int, asked_at: datetime) -> None:
        """Undo :meth:`claim_help` when nobody could be told, so the next press tries again."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone("SELECT help_json FROM breakout_sessions WHERE id = ?", (session_id,))
            if row is None:
                return
            asked = json.loads(row["help_json"])
            if asked.get(str(room)) == asked_at.isoformat():
                del asked[str(room)]
                await tx.execute(
                    "UPDATE breakout_sessions SET help_json = ? WHERE id = ?", (json.dumps(asked), session_id)
                )

    # ------------------------------------------------------------------- history

    async def history(self, guild_id: int, limit: int = HISTORY_MEETINGS) -> History:
        """The most recent ``limit`` breakout meetings, oldest first, as the planner's :class:`History`."""
        rows = await self._db.fetchall(
            "SELECT groups_json FROM breakout_meetings WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        )
        return History.from_meetings([json.loads(r[0]) for r in reversed(rows)])

    async def last_groups(self, guild_id: int) -> list[list[int]] | None:
        """Who was in which group at the last breakout (as recorded at close), or None if there was none."""
        row = await self._db.fetchone(
            "SELECT groups_json FROM breakout_meetings WHERE guild_id = ? ORDER BY id DESC LIMIT 1", (guild_id,)
        )
        return None if row is None else [[int(u) for u in g] for g in json.loads(row[0])]

    async def meeting_count(self, guild_id: int) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) FROM breakout_meetings WHERE guild_id = ?", (guild_id,))
        return int(row[0]) if row else 0


NOT_PLANNED = "That plan is no longer waiting to be opened. Use `/breakout plan` to make a new one."
