"""Anonymous questions, decided here: asking, "Me too", and what facilitators do with a question.

No Discord here (DESIGN.md: the cog parses and renders, as :mod:`bot.meeting_session` does for the
meeting). The questions cog and the question buttons both reach this one service on the bot object
(``bot.questions``), so the buttons never need the cog.

What the service keeps, and where:

* The questions, their votes and written answers, in the database (:mod:`bot.storage.questions`,
  :mod:`bot.storage.question_answers`): never who asked or who voted.
* In memory only (:class:`bot.questions.anonymity.MeetingMemory`): the rate limit, the mutes, the
  DM counts and the question → asker links "Mute this asker" needs, each for at most the mute
  window. One scheduler job wakes when the next entry expires, so memory forgets without a click.
* In memory only: which question each server is "answering now" (not personal data).

Every question on show has two messages: the public post (members see it, with **Me too** only)
and the facilitators' copy (with the facilitators' buttons, kept in step with the post). The copy
lives in the facilitator channel; its ids are kept in the row's ``review_*`` columns, the same
place a question waiting for a facilitator's check keeps its check message: once approved, that
check message becomes the copy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.date import DateTrigger

from bot.clock import utcnow
from bot.errors import UserError
from bot.questions.anonymity import MeetingMemory
from bot.questions.export import questions_csv
from bot.questions.text import clean_answer, clean_question
from bot.storage.question_answers import MAX_ANSWER, QuestionAnswerRepository
from bot.storage.questions import Question, QuestionRepository, VoteResult

log = logging.getLogger(__name__)

GONE = "Sorry, I can't find that question any more."
CANNOT_MUTE = (
    "Sorry, I can't mute whoever asked that one: it was asked before copbot last restarted or more "
    "than a meeting ago, and copbot keeps no record of who asks."
)
NOT_OPEN_NOW = "That question is not open any more, so it can't be the one being answered now."
#: Statuses of a question that is on show (it has a public post).
ON_SHOW = ("open", "answered")


@dataclass(frozen=True, slots=True)
class Asked:
    """A question stored but not yet posted, with its asker's memory-only key (never stored)."""

    question: Question
    asker: bytes


@dataclass(frozen=True, slots=True)
class Shown:
    """Everything a question's two messages show: the row, its written answer, and whether it is the
    one being answered now."""

    question: Question
    answer: str | None
    answering_now: bool


class QuestionService:
    """Asking, voting and the facilitators' actions on questions (see the module docstring)."""

    def __init__(
        self,
        repo: QuestionRepository,
        answers: QuestionAnswerRepository,
        scheduler: Any,
        *,
        max_length: int,
        rate_limit_count: int,
        rate_limit_window: timedelta,
        mute_window: timedelta,
        dms_per_hour: int,
    ) -> None:
        self.repo = repo
        self.answers = answers
        self.max_length = max_length
        # Fresh secrets per process (never stored), memory that forgets after the mute window:
        # see bot/questions/anonymity.py for why.
        self.memory = MeetingMemory(
            rate_limit_count=rate_limit_count,
            rate_limit_window=rate_limit_window,
            mute_window=mute_window,
            dms_per_hour=dms_per_hour,
        )
        #: Server id → the number of the question marked "Answering now". Dropped when that question
        #: is answered or removed, and when the meeting ends.
        self.answering_now: dict[int, int] = {}
        self._scheduler = scheduler
        self._job_id = f"questions:forget:{id(self)}"

    # -------------------------------------------------------------------------- memory and start-up

    def stop(self) -> None:
        """Remove the memory job (the cog unloads, or the bot closes)."""
        if self._scheduler.get_job(self._job_id) is not None:
            self._scheduler.remove_job(self._job_id)

    def forget_meeting_state(self, guild_id: int | None = None) -> None:
        """Forget the rate limit, mutes, DM counts and every question → asker link; new asker secret; and
        wipe the vote secret of ``guild_id`` (``None``: of every server)."""
        self.memory.forget_meeting_state(guild_id)
        self._rearm()

    def meeting_ended(self, guild_id: int) -> int | None:
        """The meeting is over: mutes "for the rest of the meeting" end, no question is being answered
        any more, and the server's vote secret is replaced (votes already stored can no longer be matched
        to anyone). Returns the number whose "answering now" mark went (to redraw it)."""
        self.forget_meeting_state(guild_id)
        return self.answering_now.pop(guild_id, None)

    async def _forget_expired(self) -> None:
        """The scheduled job: drop what the mute window has passed for, then wait for the next expiry."""
        self.memory.sweep()
        self._rearm()

    def _rearm(self) -> None:
        """Point the single job at the moment the next memory-only entry expires (or remove it)."""
        at = self.memory.next_expiry()
        if at is None:
            self.stop()
            return
        self._scheduler.add_job(
            self._forget_expired,
            DateTrigger(run_date=at),
            id=self._job_id,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    async def reconcile(self) -> tuple[int, list[int]]:
        """Remove questions a crash left without their post (open with no post, or waiting with no
        check message); returns how many, and the servers they were in. Only one copbot runs on a database, so at
        start-up nothing is in flight.

        They are marked removed rather than deleted, so their number is never given twice (a post
        may have been made just before the crash); their text goes.
        """
        stale = await self.repo.unposted(created_before=utcnow())
        for question in stale:
            await self.repo.set_status(question.id, "removed", allowed_from=("open", "pending"))
        return len(stale), sorted({q.guild_id for q in stale})

    # -------------------------------------------------------------------------------------- asking

    async def begin(self, guild_id: int, user_id: int, raw: str, kind: str, *, checked: bool) -> Asked:
        """Check and store a new question; ``checked``: it waits for a facilitator's check first.

        ``user_id`` is turned into the memory-only key at once and goes nowhere else. A refusal (empty,
        too long, a personal detail, muted, asking too often) is a :class:`UserError` and stores nothing.
        """
        what = "question" if kind == "question" else "word or phrase"
        text = clean_question(raw, self.max_length, what=what)
        asker = self.memory.keys.asker(guild_id, user_id)
        self.memory.mutes.check(asker)
        self.memory.rate_limiter.check(asker)
        return Asked(await self.repo.create(guild_id, kind, text, pending=checked), asker)

    async def posted(self, asked: Asked, channel_id: int, message_id: int) -> None:
        """The public post (or, for a checked question, the check message) was made: record it, and
        count the question for the rate limit and for "Mute this asker"."""
        question = asked.question
        if question.status == "pending":
            await self.repo.set_review_message(question.id, channel_id, message_id)
        else:
            await self.repo.set_message(question.id, channel_id, message_id)
        self.memory.rate_limiter.record(asked.asker)
        self.memory.askers.remember(question.id, asked.asker)
        self._rearm()

    async def set_post(self, question: Question, channel_id: int, message_id: int) -> None:
        """Where an approved question's public post is."""
        await self.repo.set_message(question.id, channel_id, message_id)

    async def set_copy(self, question: Question, channel_id: int, message_id: int) -> None:
        """Where the facilitators' copy of a posted question is."""
        await self.repo.set_review_message(question.id, channel_id, message_id)

    async def undo(self, question: Question) -> None:
        """Forget a question that could not be posted (its row goes; its number may be given again)."""
        await self.repo.delete(question.id)

    def dm_turn(self, user_id: int) -> int:
        """Count a direct message for fair use; return how many came before it this hour."""
        key = self.memory.keys.asker(0, user_id)
        earlier = self.memory.dm_limiter.recent_count(key)
        self.memory.dm_limiter.record(key)
        self._rearm()
        return earlier

    @property
    def dms_per_hour(self) -> int:
        return self.memory.dm_limiter.count

    # ------------------------------------------------------------------------------------- finding

    async def resolve(self, guild_id: int, ref: str) -> Question:
        """The question a button's ``ref`` names, in the server the button was pressed in:
        ``n<number>`` (on show), ``r<token>`` (waiting for a check) or a bare row id (old buttons)."""
        if ref.startswith("n"):
            question = await self.repo.by_number(guild_id, int(ref[1:]))
        elif ref.startswith("r"):
            question = await self.repo.by_review_token(int(ref[1:]))
        else:
            question = await self.repo.get(int(ref))
        if question.guild_id != guild_id:
            raise UserError(GONE)
        return question

    async def by_number(self, guild_id: int, number: int) -> Question | None:
        try:
            return await self.repo.by_number(guild_id, number)
        except UserError:
            return None

    async def shown(self, question: Question) -> Shown:
        """What the question's messages show now."""
        answer = await self.answers.get(question.guild_id, question.number) if question.number else None
        now = question.number is not None and self.answering_now.get(question.guild_id) == question.number
        return Shown(question, answer, now and question.status == "open")

    async def reload(self, question: Question) -> Question:
        return await self.repo.get(question.id)

    # --------------------------------------------------------------------------------- members

    async def vote(self, question: Question, user_id: int) -> VoteResult:
        """ "Me too": add this member's vote, or take it back if they had one (within one meeting: see
        :class:`bot.questions.anonymity.AnonymityKeys` for when the vote secret is replaced)."""
        key = self.memory.keys.vote(question.guild_id, question.id, user_id)
        if self._scheduler.get_job(self._job_id) is None:  # the vote secret expires after the meeting
            self._rearm()
        return await self.repo.toggle_vote(question.id, key)

    # ---------------------------------------------------------------------------- facilitators

    async def mark_answered(self, question: Question) -> Question:
        question = await self.repo.set_status(question.id, "answered", allowed_from=("open",))
        self._dealt_with(question)
        return question

    async def remove(self, question: Question) -> Question:
        question = await self.repo.set_status(question.id, "removed", allowed_from=ON_SHOW)
        self._dealt_with(question)
        return question

    def _dealt_with(self, question: Question) -> None:
        """An answered or removed question forgets its asker and loses the "answering now" mark."""
        self.memory.askers.forget(question.id)
        if question.number is not None and self.answering_now.get(question.guild_id) == question.number:
            del self.answering_now[question.guild_id]

    def mute(self, question: Question) -> datetime:
        """Pause whoever asked ``question`` for the mute window; returns until when."""
        key = self.memory.askers.key_for(question.id)
        if key is None:
            raise UserError(CANNOT_MUTE)
        until = self.memory.mutes.mute(key)
        self._rearm()
        return until

    def toggle_answering_now(self, question: Question) -> int | None:
        """Mark ``question`` as the one being answered (one per server), or take the mark away if it
        has it. Returns the number of the question that lost the mark to this one, if any."""
        if question.status != "open" or question.number is None:
            raise UserError(NOT_OPEN_NOW)
        previous = self.answering_now.get(question.guild_id)
        if previous == question.number:
            del self.answering_now[question.guild_id]
            return None
        self.answering_now[question.guild_id] = question.number
        return previous

    async def current_answer(self, question: Question) -> str | None:
        if question.status not in ON_SHOW or question.number is None:
            raise UserError(GONE)
        return await self.answers.get(question.guild_id, question.number)

    async def save_answer(self, guild_id: int, number: int, raw: str) -> None:
        """Write (or replace) the answer shown under question ``#number``."""
        await self.answers.save(guild_id, number, clean_answer(raw, MAX_ANSWER), utcnow())
        log.info("Answer to question #%s written in server %s", number, guild_id)

    async def approve(self, question: Question) -> Question:
        """A checked question gets its number, to be posted."""
        return await self.repo.approve(question.id)

    async def unapprove(self, question: Question) -> None:
        """The post could not be made: the question waits for its check again."""
        await self.repo.return_to_pending(question.id)

    async def reject(self, question: Question) -> Question:
        question = await self.repo.set_status(question.id, "rejected", allowed_from=("pending",))
        self.memory.askers.forget(question.id)
        return question

    async def open_questions(self, guild_id: int) -> tuple[list[Question], int]:
        """Open questions really posted, most "Me too" first, and how many wait for a check.

        A row whose post is still being made, or failed, is never counted (issue #14).
        """
        on_show = [q for q in await self.repo.open_by_votes(guild_id) if q.message_id is not None]
        waiting = [q for q in await self.repo.list(guild_id, ("pending",)) if q.review_message_id is not None]
        return on_show, len(waiting)

    async def export(self, guild_id: int) -> tuple[int, bytes]:
        """The server's questions as a CSV file (removed and rejected ones left out): (rows, bytes)."""
        rows = [
            q
            for q in await self.repo.list(guild_id, ("open", "answered", "pending"))
            if q.message_id is not None or q.review_message_id is not None
        ]
        data = questions_csv(rows, await self.answers.for_guild(guild_id)).encode("utf-8-sig")
        return len(rows), data


__all__ = ["GONE", "ON_SHOW", "Asked", "QuestionService", "Shown"]
