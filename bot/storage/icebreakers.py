"""Icebreaker storage: a server's own prompts, hidden prompts, the no-repeat cycle, speaking rounds.

Prompt keys: shipped prompts are stored by their stable bank id (``light-001``); a server's own
prompts by ``custom-<number>``. Members only ever see the ``#N`` numbers (see
:mod:`bot.icebreakers.bank`).
"""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.clock import utcnow
from bot.errors import NotFoundError, UserError
from bot.icebreakers.bank import CUSTOM_START, Bank, Prompt
from bot.icebreakers.cycle import ALL_SCOPE, choose_next
from bot.icebreakers.round import Outcome, Phase, RoundState
from bot.storage.database import Database, Transaction
from bot.storage.tokens import public_token

ROUND_BUSY = (
    "There is already a speaking round in this channel. Please let it finish first, "
    "or ask a facilitator to press “End round”."
)


def custom_key(number: int) -> str:
    return f"custom-{number}"


@dataclass(frozen=True, slots=True)
class ListedPrompt:
    """A prompt as ``/icebreaker list`` shows it: hidden shipped prompts are listed too, marked."""

    prompt: Prompt
    hidden: bool


@dataclass(frozen=True, slots=True)
class StoredRound:
    """A round plus its timer bookkeeping: when the join window or the current turn ends."""

    state: RoundState
    deadline: datetime | None
    warned: bool


class IcebreakerRepository:
    """All icebreaker SQL; returns frozen dataclasses."""

    def __init__(self, db: Database, bank: Bank) -> None:
        self._db = db
        self.bank = bank

    # ------------------------------------------------------------------ prompts

    @staticmethod
    def _custom_from_row(row: sqlite3.Row) -> Prompt:
        number = int(row["number"])
        return Prompt(key=custom_key(number), number=number, category=row["category"], text=row["text"], custom=True)

    async def _visible(self, tx: Transaction, guild_id: int, scope: str) -> list[Prompt]:
        hidden = {
            r[0]
            for r in await tx.fetchall(
                "SELECT prompt_key FROM icebreaker_hidden_prompts WHERE guild_id = ?", (guild_id,)
            )
        }
        rows = await tx.fetchall(
            "SELECT number, category, text FROM icebreaker_custom_prompts"
            " WHERE guild_id = ? AND removed_at IS NULL ORDER BY number",
            (guild_id,),
        )
        prompts = [p for p in self.bank.prompts if p.key not in hidden]
        prompts += [self._custom_from_row(r) for r in rows]
        if scope != ALL_SCOPE:
            prompts = [p for p in prompts if p.category == scope]
        return prompts

    async def listing(self, guild_id: int) -> list[ListedPrompt]:
        """Every shipped prompt (hidden ones marked) and the server's own prompts, by number."""
        hidden = {
            r[0]
            for r in await self._db.fetchall(
                "SELECT prompt_key FROM icebreaker_hidden_prompts WHERE guild_id = ?", (guild_id,)
            )
        }
        rows = await self._db.fetchall(
            "SELECT number, category, text FROM icebreaker_custom_prompts"
            " WHERE guild_id = ? AND removed_at IS NULL ORDER BY number",
            (guild_id,),
        )
        out = [ListedPrompt(p, p.key in hidden) for p in self.bank.prompts]
        out += [ListedPrompt(self._custom_from_row(r), False) for r in rows]
        return out

    async def add_custom(
        self, guild_id: int, category: str, text: str, created_by: int, *, limit: int | None = None
    ) -> Prompt:
        """Store an already-validated prompt under the server's next free number (never reused).

        ``limit`` (``limits.icebreakers_per_server``): a server with that many of its own prompts gets a
        :class:`UserError` and nothing is stored.
        """
        async with self._db.transaction() as tx:
            if limit is not None:
                count = await tx.fetchone(
                    "SELECT COUNT(*) FROM icebreaker_custom_prompts WHERE guild_id = ? AND removed_at IS NULL",
                    (guild_id,),
                )
                if count is not None and int(count[0]) >= limit:
                    raise UserError(
                        f"This server already has {limit} icebreaker questions of its own, the most it can keep. "
                        "Please remove one with `/icebreaker remove` before adding another. Nothing was saved."
                    )
            row = await tx.fetchone(
                "SELECT COALESCE(MAX(number), ?) FROM icebreaker_custom_prompts WHERE guild_id = ?",
                (CUSTOM_START - 1, guild_id),
            )
            number = int(row[0]) + 1 if row else CUSTOM_START
            await tx.execute(
                "INSERT INTO icebreaker_custom_prompts (guild_id, number, category, text, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (guild_id, number, category, text, created_by, utcnow().isoformat()),
            )
        return Prompt(key=custom_key(number), number=number, category=category, text=text, custom=True)

    async def remove(self, guild_id: int, number: int) -> tuple[Prompt, bool]:
        """Remove a server's own prompt, or hide a shipped one; returns ``(prompt, was_shipped)``."""
        missing = f"There is no prompt #{number} here. `/icebreaker list` shows every prompt's number."
        async with self._db.transaction() as tx:
            shipped = self.bank.by_number(number)
            if shipped is not None:
                changed = await tx.execute(
                    "INSERT OR IGNORE INTO icebreaker_hidden_prompts (guild_id, prompt_key, hidden_at)"
                    " VALUES (?, ?, ?)",
                    (guild_id, shipped.key, utcnow().isoformat()),
                )
                if not changed:
                    raise UserError(f"Prompt #{number} is already hidden in this server.")
                return shipped, True
            row = await tx.fetchone(
                "SELECT number, category, text FROM icebreaker_custom_prompts"
                " WHERE guild_id = ? AND number = ? AND removed_at IS NULL",
                (guild_id, number),
            )
            if row is None:
                raise NotFoundError(missing)
            await tx.execute(
                "UPDATE icebreaker_custom_prompts SET removed_at = ? WHERE guild_id = ? AND number = ?",
                (utcnow().isoformat(), guild_id, number),
            )
            return self._custom_from_row(row), False

    async def next_prompt(self, guild_id: int, scope: str, rng: random.Random) -> Prompt:
        """Choose and record the next prompt of ``scope`` in one transaction (see :mod:`bot.icebreakers.cycle`)."""
        async with self._db.transaction() as tx:
            candidates = await self._visible(tx, guild_id, scope)
            if not candidates:
                raise UserError(
                    "There are no prompts to choose from here yet. A facilitator can add some with `/icebreaker add`."
                )
            used = {
                r[0]
                for r in await tx.fetchall(
                    "SELECT prompt_key FROM icebreaker_used_prompts WHERE guild_id = ? AND scope = ?", (guild_id, scope)
                )
            }
            last_row = await tx.fetchone(
                "SELECT prompt_key FROM icebreaker_last_prompts WHERE guild_id = ? AND scope = ?", (guild_id, scope)
            )
            by_key = {p.key: p for p in candidates}
            pick = choose_next(list(by_key), used, last_row[0] if last_row else None, rng)
            if pick.new_cycle:
                await tx.execute(
                    "DELETE FROM icebreaker_used_prompts WHERE guild_id = ? AND scope = ?", (guild_id, scope)
                )
            prompt = by_key[pick.key]
            now = utcnow().isoformat()
            for mark in dict.fromkeys((scope, ALL_SCOPE, prompt.category)):
                await tx.execute(
                    "INSERT OR IGNORE INTO icebreaker_used_prompts (guild_id, scope, prompt_key, used_at)"
                    " VALUES (?, ?, ?, ?)",
                    (guild_id, mark, prompt.key, now),
                )
                await tx.execute(
                    "INSERT INTO icebreaker_last_prompts (guild_id, scope, prompt_key) VALUES (?, ?, ?)"
                    " ON CONFLICT (guild_id, scope) DO UPDATE SET prompt_key = excluded.prompt_key",
                    (guild_id, mark, prompt.key),
                )
            return prompt

    # ------------------------------------------------------------------ rounds

    @staticmethod
    def _round_from_row(row: sqlite3.Row) -> StoredRound:
        state = RoundState(
            round_id=int(row["round_id"]),
            guild_id=int(row["guild_id"]),
            channel_id=int(row["channel_id"]),
            prompt_text=row["prompt_text"],
            seconds=row["seconds"],
            voice_channel_id=row["voice_channel_id"],
            phase=Phase(row["phase"]),
            order=tuple(int(u) for u in json.loads(row["speaker_order"])),
            position=int(row["position"]),
            turn=int(row["turn"]),
            outcomes=tuple((int(u), Outcome(o)) for u, o in json.loads(row["outcomes"])),
            message_id=row["message_id"],
            turn_message_id=row["turn_message_id"],
            token=row["token"],
        )
        deadline = datetime.fromisoformat(row["deadline"]) if row["deadline"] else None
        return StoredRound(state=state, deadline=deadline, warned=bool(row["warned"]))

    async def create_round(
        self,
        guild_id: int,
        channel_id: int,
        prompt_text: str,
        seconds: int | None,
        voice_channel_id: int | None,
    ) -> RoundState:
        """Open a round in the joining phase; refuses if the channel already has one open."""
        now = utcnow().isoformat()
        async with self._db.transaction() as tx:
            busy = await tx.fetchone(
                "SELECT 1 FROM icebreaker_rounds WHERE channel_id = ? AND phase != 'finished'", (channel_id,)
            )
            if busy:
                raise UserError(ROUND_BUSY)
            token = public_token()
            round_id = await tx.insert(
                "INSERT INTO icebreaker_rounds (guild_id, channel_id, prompt_text, seconds, voice_channel_id,"
                " phase, created_at, updated_at, token) VALUES (?, ?, ?, ?, ?, 'joining', ?, ?, ?)",
                (guild_id, channel_id, prompt_text, seconds, voice_channel_id, now, now, token),
            )
        return RoundState(
            round_id=round_id,
            token=token,
            guild_id=guild_id,
            channel_id=channel_id,
            prompt_text=prompt_text,
            seconds=seconds,
            voice_channel_id=voice_channel_id,
        )

    async def channel_has_open_round(self, channel_id: int) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM icebreaker_rounds WHERE channel_id = ? AND phase != 'finished'", (channel_id,)
        )
        return row is not None

    async def round_id_for_token(self, token: int) -> int | None:
        """The round a button's token names (``None`` if there is none)."""
        row = await self._db.fetchone("SELECT round_id FROM icebreaker_rounds WHERE token = ?", (token,))
        return int(row[0]) if row else None

    async def get_round(self, round_id: int) -> StoredRound | None:
        row = await self._db.fetchone("SELECT * FROM icebreaker_rounds WHERE round_id = ?", (round_id,))
        return self._round_from_row(row) if row else None

    async def open_rounds(self, guild_id: int | None = None) -> list[StoredRound]:
        """Rounds still going (all servers, or one), for restarts and voice changes."""
        if guild_id is None:
            rows = await self._db.fetchall("SELECT * FROM icebreaker_rounds WHERE phase != 'finished'")
        else:
            rows = await self._db.fetchall(
                "SELECT * FROM icebreaker_rounds WHERE phase != 'finished' AND guild_id = ?", (guild_id,)
            )
        return [self._round_from_row(r) for r in rows]

    async def save_round(self, state: RoundState, deadline: datetime | None, warned: bool) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE icebreaker_rounds SET phase = ?, speaker_order = ?, position = ?, turn = ?, outcomes = ?,"
                " message_id = ?, turn_message_id = ?, deadline = ?, warned = ?, updated_at = ? WHERE round_id = ?",
                (
                    state.phase.value,
                    json.dumps(list(state.order)),
                    state.position,
                    state.turn,
                    json.dumps([[u, o.value] for u, o in state.outcomes]),
                    state.message_id,
                    state.turn_message_id,
                    deadline.isoformat() if deadline else None,
                    int(warned),
                    utcnow().isoformat(),
                    state.round_id,
                ),
            )
