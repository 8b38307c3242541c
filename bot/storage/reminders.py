"""The reminder outbox: which planned reminders are due and unsent, and leasing them to send them.

Any number of copbot processes may share the outbox (PostgreSQL), so sending is a lease, not a mark:

* :meth:`ReminderRepository.claim_due` leases a batch of due, unsent, unleased rows to one owner until
  a time (``lease_owner``, ``lease_until``), in one transaction. On PostgreSQL the rows are picked with
  ``SELECT … FOR UPDATE SKIP LOCKED``, so two processes claiming at once take different rows without
  waiting on each other; on SQLite the transaction is ``BEGIN IMMEDIATE``, which lets one writer in at a
  time. The UPDATE re-checks the conditions either way.
* :meth:`ReminderRepository.confirm` marks rows sent (``sent_at``) after their messages went out, a few
  at a time in one statement (the sweep confirms every few sends and at the end of each batch).
* :meth:`ReminderRepository.release` hands rows back (a failure worth retrying, or a clean stop).
* A process that dies mid-batch leaves rows leased but unsent; when the lease ends, any process's next
  sweep claims them again. The messages sent since the last confirm can repeat, and every one carries
  a nonce derived from its row (:mod:`bot.reminders.nonces`) with ``enforce_nonce``, so that Discord
  returns the first message instead of posting the repeat when it comes within a few minutes.

"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.storage.database import Database, Shards, shard_condition


@dataclass(frozen=True, slots=True)
class DueReminder:
    """One reminder whose time has come; exactly one of ``task_id`` and ``meeting_id`` is set."""

    id: int
    guild_id: int
    task_id: int | None
    meeting_id: int | None
    kind: str
    due_at: datetime

    @property
    def position(self) -> tuple[datetime, int]:
        """Where the reminder stands in sending order (due time, then id): a sweep's cursor."""
        return (self.due_at, self.id)


_LIVE = (
    " FROM reminders r"
    " LEFT JOIN tasks t ON t.id = r.task_id"
    " LEFT JOIN meetings m ON m.id = r.meeting_id"
    " WHERE r.sent_at IS NULL"
    " AND (t.status = 'open' OR m.status = 'scheduled')"
)
#: When a live unsent row can next be claimed: its due time, or the end of someone's lease on it.
_CLAIMABLE_AT = "CASE WHEN r.lease_until IS NOT NULL AND r.lease_until > r.due_at THEN r.lease_until ELSE r.due_at END"


class ReminderRepository:
    """Reads the outbox and claims rows from it."""

    def __init__(self, db: Database, *, shards: Shards | None = None) -> None:
        """``shards``: claim and wait only for reminders of servers on these shards (see :class:`Shards`)."""
        self._db = db
        self._shards = shards

    async def claim_due(
        self,
        now: datetime,
        *,
        owner: str,
        lease: timedelta,
        limit: int = 100,
        after: tuple[datetime, int] | None = None,
    ) -> list[DueReminder]:
        """Lease up to ``limit`` live reminders due at ``now`` or earlier to ``owner``, in one transaction.

        Only the owner of a lease may send the row. Rows come in sending order (due time, then id),
        starting after the ``after`` position if given: a sweep passes the last row it handled, so rows
        it released for a retry are not claimed again in the same sweep. A row whose lease has ended
        (its owner died mid-sweep) is claimable again.
        """
        stamp = now.isoformat()
        sql = (
            "SELECT r.id"
            + _LIVE
            + " AND r.due_at <= ? AND (r.lease_until IS NULL OR r.lease_until <= ?)"
            + shard_condition(self._shards, "r.guild_id")
        )
        params: list[object] = [stamp, stamp]
        if after is not None:
            # A row value keeps this a range scan of the index: rows released for a retry (say, in a
            # Discord outage) are stepped over, not read again by every batch.
            sql += " AND (r.due_at, r.id) > (?, ?)"
            params += [after[0].isoformat(), after[1]]
        sql += " ORDER BY r.due_at, r.id LIMIT ?"
        params.append(limit)
        until = (now + lease).isoformat()
        returning = " RETURNING id, guild_id, task_id, meeting_id, kind, due_at"
        guard = " AND sent_at IS NULL AND (lease_until IS NULL OR lease_until <= ?)"
        async with self._db.transaction() as tx:
            if tx.dialect == "postgresql":
                # SKIP LOCKED: a row another process is claiming right now is left to it, not waited on.
                rows = await tx.fetchall(
                    f"WITH picked AS ({sql} FOR UPDATE OF r SKIP LOCKED)"
                    " UPDATE reminders SET lease_owner = ?, lease_until = ?"
                    f" WHERE id IN (SELECT id FROM picked){guard}{returning}",
                    [*params, owner, until, stamp],
                )
            else:
                rows = await tx.fetchall(
                    f"UPDATE reminders SET lease_owner = ?, lease_until = ? WHERE id IN ({sql}){guard}{returning}",
                    [owner, until, *params, stamp],
                )
        claimed = [
            DueReminder(
                id=int(r[0]),
                guild_id=int(r[1]),
                task_id=int(r[2]) if r[2] is not None else None,
                meeting_id=int(r[3]) if r[3] is not None else None,
                kind=str(r[4]),
                due_at=datetime.fromisoformat(r[5]),
            )
            for r in rows
        ]
        return sorted(claimed, key=lambda r: r.position)  # RETURNING promises no order

    async def confirm(self, reminder_ids: Sequence[int], *, owner: str, now: datetime) -> int:
        """Record leased reminders as done (sent, or needing no message), in one statement.

        The sweep calls this once per few sends, not once per send (see :mod:`bot.reminders.service`):
        one autocommit statement, one round trip, whatever the number of rows. Returns how many rows
        were recorded; fewer than given means some leases had been lost (they ran out and another
        process took those rows), which the caller logs: those may have gone out twice, and their
        nonces are what keeps Discord from showing the repeat.
        """
        if not reminder_ids:
            return 0
        marks = ", ".join("?" for _ in reminder_ids)
        return await self._db.execute(
            "UPDATE reminders SET sent_at = ?, lease_owner = NULL, lease_until = NULL"
            f" WHERE lease_owner = ? AND sent_at IS NULL AND id IN ({marks})",
            [now.isoformat(), owner, *reminder_ids],
        )

    async def renew(self, *, owner: str, until: datetime) -> int:
        """Extend every lease ``owner`` still holds (a long batch, slowed by Discord's rate limits)."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                "UPDATE reminders SET lease_until = ? WHERE lease_owner = ? AND sent_at IS NULL",
                (until.isoformat(), owner),
            )

    async def next_due_at(self, *, after: datetime | None = None) -> datetime | None:
        """When the next live unsent reminder can be claimed (its due time, or the end of another
        process's lease on it), optionally only those strictly ``after``."""
        mine = shard_condition(self._shards, "r.guild_id")
        if after is None:
            row = await self._db.fetchone(f"SELECT MIN({_CLAIMABLE_AT})" + _LIVE + mine)
        else:
            row = await self._db.fetchone(
                f"SELECT MIN({_CLAIMABLE_AT})" + _LIVE + mine + f" AND {_CLAIMABLE_AT} > ?", (after.isoformat(),)
            )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def supersede(self, now: datetime) -> int:
        """Record as done every due task reminder that a later due one of the same task replaces.

        After downtime, "3 days to go" and "tomorrow" are out of date once "today" is due; one
        statement settles them all, so catching up costs one send per task, not one per reminder.
        """
        stamp = now.isoformat()
        async with self._db.transaction() as tx:
            return await tx.execute(
                "UPDATE reminders SET sent_at = ? WHERE sent_at IS NULL AND task_id IS NOT NULL AND due_at <= ?"
                " AND EXISTS (SELECT 1 FROM reminders later WHERE later.task_id = reminders.task_id"
                " AND later.sent_at IS NULL AND later.due_at <= ? AND later.due_at > reminders.due_at)"
                " AND (lease_until IS NULL OR lease_until <= ?)",  # not a row another sweep holds
                (stamp, stamp, stamp, stamp),
            )

    async def release(self, reminder_ids: Sequence[int], *, owner: str) -> None:
        """Give leased reminders back (not sent after all), in one transaction."""
        if not reminder_ids:
            return
        marks = ", ".join("?" for _ in reminder_ids)
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE reminders SET lease_owner = NULL, lease_until = NULL"
                f" WHERE lease_owner = ? AND sent_at IS NULL AND id IN ({marks})",
                [owner, *reminder_ids],
            )

    async def sent_kinds(self, task_id: int) -> list[str]:
        rows = await self._db.fetchall(
            "SELECT kind FROM reminders WHERE task_id = ? AND sent_at IS NOT NULL ORDER BY sent_at", (task_id,)
        )
        return [str(r[0]) for r in rows]
