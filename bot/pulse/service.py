"""The anonymous check-in after a meeting, as a service: who is asked, answers, closing, results. No Discord.

Who is asked: the attendance of a meeting held with ``/meeting start`` (the one that ended within
``pulse.recent_hours``, or the one named); without one, everyone the cog saw in the main voice
channel within ``pulse.recent_hours``. The people asked are stored while the check-in is open (so a
click from anyone else is refused, even after a restart) and deleted when it closes.

**How the order of answering is hidden from whoever holds the database and its ``-wal`` file.** An
answer committed alone would append WAL frames in answering order, and SQLite's pages keep cells
where they were inserted, so rows written one by one show their order even without a rowid or a
time. So:

* an answer is never written on its own: answers wait in memory (:class:`PulseMemory`) and are
  written in batches of at least ``pulse.min_group``, each batch shuffled, in one transaction;
* each row gets a random 16-byte key in a ``WITHOUT ROWID`` table, so its place in the table's
  key order is random too, and it has no time of its own (only the check-in has times);
* when the check-in closes, the last answers are written in the same transaction that closes it, and
  the write-ahead log is then checkpointed and truncated, so the frames showing which batch came
  when are gone.

What is left to an operator is, at most, which batch an answer was in. Batches hold ``min_group``
answers or more, except two, which hold whatever was waiting (from 1 to ``min_group - 1``): the last
one, written when the check-in closes, and one written at a clean shutdown. So an operator who also
knows, from outside copbot, who answered last could narrow those few answers down to the people who
answered after the last full batch. No log line shows a statement's values at any level
(:mod:`bot.logging_setup`), and none names who answered (see the anonymity proofs).

**Closing is final.** An answer is recorded only into a check-in that is still open after the
answer's last await; a batch is written only while the check-in is open in the database, checked in
the same transaction; and the closing transaction writes whatever was waiting or being written. So
once a check-in has closed, its answers (and so its results) never change, even across a restart.

The trade-off, stated: answers waiting in memory are written when the bot shuts down cleanly (as a
last, possibly smaller batch, which says only "these came after the last batch"), but are lost if the
process is killed or crashes. The fingerprints that allow one answer per member are lost then too
(:mod:`bot.pulse.memory`), so anyone whose answer was lost can answer again; answers are capped at the
number of people asked, so a restart can never make a check-in hold more answers than people.

Results are computed only once a check-in has closed (``pulse.open_hours``, or earlier when everyone
asked has answered, or with ``/pulse close``): while it is open a facilitator sees only the count,
so nobody can compare views taken before and after one more answer (see :mod:`bot.pulse.results`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import PulseConfig
from bot.errors import NotFoundError, UserError
from bot.pulse.memory import ALREADY_ANSWERED, PulseMemory
from bot.pulse.results import STATEMENT_KEYS, Answer, PulseResults, TrendPoint, build_results, trend_point
from bot.questions.text import clean_question
from bot.storage.meeting_sessions import MeetingSession, MeetingSessionRepository
from bot.storage.members import MemberRepository
from bot.storage.pulses import AnswerRow, AnswerValues, Pulse, PulseRepository, answer_key

log = logging.getLogger(__name__)

#: How many past check-ins the trend chart shows.
TREND_LENGTH = 12

NOT_ASKED = (
    "Sorry, this check-in is only for the people who were at that meeting, so I can't take an answer "
    "from you. Thank you for wanting to help!"
)
CLOSED = "This check-in has closed, so it no longer takes answers. Thank you!"
CLOSED_MEANWHILE = (
    "Sorry, this check-in closed just as your answer arrived, so your answer was not counted. "
    "Thank you for wanting to help!"
)
FULL = "This check-in already has an answer from everyone who was asked, so it has closed. Thank you!"
NOBODY = (
    "Nobody was in the main voice channel in the last {hours} hours, so there is nobody to ask. "
    "Run `/pulse start` soon after a meeting, or use `/meeting start` so copbot takes attendance."
)
STILL_OPEN = "Meeting #{number} is still going on. End it with `/meeting end` first: it offers to send the check-in."
BAD_SCORE = "Please choose a score from 1 to 5 for each of the three statements."


@dataclass(frozen=True, slots=True)
class Opened:
    """A check-in just opened, and the people to send it to."""

    pulse: Pulse
    invitees: tuple[int, ...]
    meeting: MeetingSession | None


@dataclass(frozen=True, slots=True)
class OpenView:
    """``/pulse results`` for a check-in still open: only how many have answered so far."""

    pulse: Pulse
    answered: int


@dataclass(frozen=True, slots=True)
class ClosedView:
    """``/pulse results`` for a closed check-in, with the trend of recent ones."""

    pulse: Pulse
    results: PulseResults
    trend: tuple[TrendPoint, ...]


def pulse_name(pulse: Pulse, *, first: bool = False) -> str:
    """How a check-in is named in messages: by its number and the meeting's title (``first``: as the
    first words of a sentence)."""
    return f"{'Check-in' if first else 'check-in'} #{pulse.number}, after “{pulse.title}”"


def parse_answer(values: Mapping[str, str], comment: str, share_role: str, role: str | None, limit: int) -> Answer:
    """The form's values as an :class:`Answer`, or one plain sentence (a :class:`UserError`).

    The comment is cleaned as a question is (:func:`clean_question`): no control characters, within
    the limit, and refused if it looks like personal information (an NHS number, phone number, email
    address, postcode or date of birth). It is escaped when shown, so it can never ping anyone.
    """
    scores = []
    for key in STATEMENT_KEYS:
        raw = str(values.get(key, "")).strip()
        if raw not in {"1", "2", "3", "4", "5"}:
            raise UserError(BAD_SCORE)
        scores.append(int(raw))
    text: str | None = None
    if comment.strip():
        text = clean_question(comment, limit, what="comment")
    shared = share_role.strip().lower() == "yes"
    return Answer(scores[0], scores[1], scores[2], role if shared else None, text)


def _values(answer: Answer) -> AnswerValues:
    return (answer.felt_able, answer.understood, answer.good_use, answer.role, answer.comment)


def _answer(values: AnswerValues) -> Answer:
    return Answer(values[0], values[1], values[2], values[3], values[4])


class PulseService:
    """Open check-ins, take answers, close them on time, and build what ``/pulse results`` may show."""

    def __init__(
        self,
        repo: PulseRepository,
        sessions: MeetingSessionRepository,
        members: MemberRepository,
        config: PulseConfig,
    ) -> None:
        self.repo = repo
        self.sessions = sessions
        self.members = members
        self.config = config
        self.memory = PulseMemory()
        self._stored: dict[int, int] = {}  # check-in id → answers written (read once, then counted here)
        # Check-ins this process has closed or is closing: an answer still on its way is refused after
        # its last await (see :meth:`answer`). One small integer per check-in.
        self._closing: set[int] = set()
        # Batches being written now, per check-in: a close running meanwhile writes them too (each
        # row once, by its key), so no answer already accepted is lost and none lands after the close.
        self._in_flight: dict[int, list[list[AnswerRow]]] = {}
        self.recent_voice = RecentlyInVoice(config.recent_hours)
        # Check-in id → the people asked, read once by the check-in's id. Never looked up by member
        # id in SQL: a query with the member's id would be logged (at DEBUG) at the moment they answer.
        self._invitees: dict[int, frozenset[int]] = {}

    @property
    def batch_size(self) -> int:
        return self.config.min_group

    # -- opening ----------------------------------------------------------------------------------

    async def open(
        self,
        guild_id: int,
        opened_by: int,
        now: datetime,
        *,
        meeting_number: int | None,
        recently_in_voice: Iterable[int],
        members_here: set[int],
        default_title: str,
    ) -> Opened:
        """Open a check-in for a meeting (see the module docstring for who is asked)."""
        meeting = await self._meeting(guild_id, meeting_number, now)
        if meeting is not None:
            if await self.repo.for_session(meeting.id) is not None:
                raise UserError(f"The check-in for meeting #{meeting.number} was already sent. See `/pulse results`.")
            attended = (await self.sessions.attendees_by_session([meeting.id])).get(meeting.id, set())
            people = {u for u in attended if u in members_here}
            title = meeting.title
            if not people:
                raise UserError(f"Nobody was recorded at meeting #{meeting.number}, so there is nobody to ask.")
        else:
            people = {u for u in recently_in_voice if u in members_here}
            if not people:
                raise UserError(NOBODY.format(hours=self.config.recent_hours))
            last = await self.repo.latest_without_meeting(guild_id)
            if last is not None and now - last.opened_at < timedelta(hours=self.config.recent_hours):
                raise UserError(
                    f"A check-in for the people in voice was sent {_ago(now - last.opened_at)} "
                    f"({pulse_name(last)}). See `/pulse results`."
                )
            title = default_title
        closes_at = now + timedelta(hours=self.config.open_hours)
        pulse = await self.repo.open(
            guild_id, title, meeting.id if meeting else None, opened_by, people, now, closes_at
        )
        self._stored[pulse.id] = 0
        self._invitees[pulse.id] = frozenset(people)
        return Opened(pulse, tuple(sorted(people)), meeting)

    async def _meeting(self, guild_id: int, number: int | None, now: datetime) -> MeetingSession | None:
        if number is not None:
            meeting = await self.sessions.by_number(guild_id, number)
            if meeting is None:
                raise NotFoundError(f"There is no meeting #{number} here. `/meeting attendance` lists past meetings.")
            if meeting.is_open:
                raise UserError(STILL_OPEN.format(number=meeting.number))
            return meeting
        current = await self.sessions.current(guild_id)
        if current is not None:
            raise UserError(STILL_OPEN.format(number=current.number))
        last = await self.sessions.last_closed(guild_id)
        if last is not None and last.ended_at and now - last.ended_at <= timedelta(hours=self.config.recent_hours):
            return last
        return None

    # -- answering --------------------------------------------------------------------------------

    async def id_for(self, guild_id: int, number: int) -> int:
        """The row id of check-in ``#number`` of a server, as named by a button or a form."""
        pulse = await self.repo.by_number(guild_id, number)
        if pulse is None:
            raise UserError(CLOSED)
        return pulse.id

    async def can_answer(self, pulse_id: int, user_id: int, now: datetime) -> Pulse:
        """The open check-in this member may answer now, or a kind :class:`UserError` saying why not."""
        pulse = await self.repo.get(pulse_id)
        if pulse is None or not pulse.is_open or now >= pulse.closes_at:
            raise UserError(CLOSED)
        if user_id not in await self._invited(pulse.id):
            raise UserError(NOT_ASKED)
        if self.memory.has_answered(pulse.guild_id, pulse.id, user_id):
            raise UserError(ALREADY_ANSWERED)
        if await self._count(pulse) >= pulse.invited:
            raise UserError(FULL)
        return pulse

    async def answer(
        self,
        pulse_id: int,
        user_id: int,
        now: datetime,
        *,
        values: Mapping[str, str],
        comment: str,
        share_role: str,
    ) -> bool:
        """Take one member's answer (held in memory; see the module docstring). True if that closed it.

        Recorded only into a check-in that is still open after the last await: a close that happened
        while this answer waited (for the role read) makes it a kind :data:`CLOSED_MEANWHILE`, and
        nothing is kept. Once recorded, the answer is counted whatever happens to the writes after.
        """
        pulse = await self.can_answer(pulse_id, user_id, now)
        role: str | None = None
        if share_role.strip().lower() == "yes":
            # Every role in the server, read by the server's id: a read by the member's id would be
            # logged (at DEBUG) at the moment they answer, tying them to this answer's time.
            role = (await self.members.roles_for(pulse.guild_id)).get(user_id)
        answer = parse_answer(values, comment, share_role, role, self.config.comment_length)
        # From here to ``record`` there is no await: the checks see the check-in as it is now, and two
        # submits cannot both pass them.
        if pulse.id in self._closing:
            raise UserError(CLOSED_MEANWHILE)
        if self._stored.get(pulse.id, 0) + self.memory.waiting(pulse.id) >= pulse.invited:
            raise UserError(FULL)
        self.memory.record(pulse.guild_id, pulse.id, user_id, answer)
        try:
            if self._stored.get(pulse.id, 0) + self.memory.waiting(pulse.id) >= pulse.invited:
                return await self.close(pulse.id, now) is not None
            if self.memory.waiting(pulse.id) >= self.batch_size:
                await self.flush(pulse.id)
        except Exception:  # the answer is held and counted; the next flush or the close writes it
            log.warning("Could not write check-in answers yet; they wait in memory", exc_info=True)
        return False

    async def _invited(self, pulse_id: int) -> frozenset[int]:
        if pulse_id not in self._invitees:
            self._invitees[pulse_id] = frozenset(await self.repo.invitees(pulse_id))
        return self._invitees[pulse_id]

    async def _count(self, pulse: Pulse) -> int:
        """Answers so far: written plus waiting in memory."""
        if pulse.id not in self._stored:
            self._stored[pulse.id] = await self.repo.answer_count(pulse.id)
        return self._stored[pulse.id] + self.memory.waiting(pulse.id)

    async def answered(self, pulse: Pulse) -> int:
        return await self._count(pulse)

    async def flush(self, pulse_id: int) -> int:
        """Write the waiting answers of one open check-in as one shuffled batch; returns how many.

        The write happens only while the check-in is open (:meth:`PulseRepository.write_answers`); a
        close running meanwhile writes this batch itself, so every accepted answer is written once.
        """
        batch = self.memory.take(pulse_id)
        if not batch:
            return 0
        rows = [(answer_key(), _values(a)) for a in batch]
        flying = self._in_flight.setdefault(pulse_id, [])
        flying.append(rows)
        self._stored[pulse_id] = self._stored.get(pulse_id, 0) + len(rows)
        try:
            await self.repo.write_answers(pulse_id, rows)
        except Exception:
            if pulse_id not in self._closing:  # (a close took this batch and writes it)
                self._stored[pulse_id] = self._stored.get(pulse_id, 0) - len(rows)
                self.memory.put_back(pulse_id, batch)
            raise
        finally:
            flying.remove(rows)
            if not flying:
                self._in_flight.pop(pulse_id, None)
        return len(rows)

    async def flush_all(self) -> int:
        """At a clean shutdown: write every waiting answer (see the trade-off in the module docstring)."""
        written = 0
        for pulse_id in self.memory.pulses_waiting():
            written += await self.flush(pulse_id)
        return written

    # -- closing ----------------------------------------------------------------------------------

    async def close(self, pulse_id: int, now: datetime) -> Pulse | None:
        """Write the last answers, close, forget who was asked and the fingerprints; ``None`` if already closed.

        From its first line (before any await) the check-in counts as closed here, so an answer
        arriving meanwhile is refused rather than left behind in memory. The batches being written
        are written again in the closing transaction (each row once, by its key).
        """
        self._closing.add(pulse_id)
        waiting = self.memory.take(pulse_id)
        last = [(answer_key(), _values(a)) for a in waiting]
        last += [row for rows in self._in_flight.get(pulse_id, ()) for row in rows]
        try:
            closed = await self.repo.close(pulse_id, now, last)
        except Exception:
            self._closing.discard(pulse_id)
            self.memory.put_back(pulse_id, waiting)
            raise
        self.memory.forget(pulse_id)
        self._stored.pop(pulse_id, None)
        self._invitees.pop(pulse_id, None)
        if closed is not None:
            await self.repo.checkpoint()
            log.info("Check-in %s closed", closed.id)
        return closed

    async def close_by_facilitator(self, guild_id: int, number: int | None, now: datetime) -> Pulse:
        pulse = await self._choose(guild_id, None, number)
        if not pulse.is_open:
            raise UserError(f"{pulse_name(pulse, first=True)} has already closed. See `/pulse results`.")
        closed = await self.close(pulse.id, now)
        if closed is None:
            raise UserError(f"{pulse_name(pulse, first=True)} has already closed. See `/pulse results`.")
        return closed

    async def open_pulses(self) -> list[Pulse]:
        return await self.repo.all_open()

    # -- results ----------------------------------------------------------------------------------

    async def _choose(self, guild_id: int, meeting_number: int | None, number: int | None) -> Pulse:
        if number is not None:
            pulse = await self.repo.by_number(guild_id, number)
            if pulse is None:
                raise NotFoundError(f"There is no check-in #{number} here.")
            return pulse
        if meeting_number is not None:
            meeting = await self.sessions.by_number(guild_id, meeting_number)
            pulse = await self.repo.for_session(meeting.id) if meeting else None
            if pulse is None:
                raise NotFoundError(f"No check-in was sent for meeting #{meeting_number}.")
            return pulse
        pulse = await self.repo.latest(guild_id)
        if pulse is None:
            raise NotFoundError(
                "No check-in has been sent here yet. Send one after a meeting with `/pulse start`, "
                "or with “Send the check-in” after `/meeting end`."
            )
        return pulse

    async def results(
        self, guild_id: int, *, meeting_number: int | None = None, number: int | None = None
    ) -> OpenView | ClosedView:
        """What a facilitator may see about one check-in (the latest if none is named)."""
        pulse = await self._choose(guild_id, meeting_number, number)
        if pulse.is_open:
            return OpenView(pulse, await self._count(pulse))
        answers = [_answer(v) for v in await self.repo.answers(pulse.id)]
        results = build_results(answers, self.config.min_group)
        return ClosedView(pulse, results, tuple(await self.trend(guild_id, upto=pulse.number)))

    async def trend(self, guild_id: int, *, upto: int | None = None) -> list[TrendPoint]:
        """The averages of the last :data:`TREND_LENGTH` closed check-ins, oldest first."""
        found = [
            p for p in await self.repo.recent_closed(guild_id, TREND_LENGTH * 4) if upto is None or p.number <= upto
        ]
        found = found[-TREND_LENGTH:]
        by_pulse = await self.repo.answers_for([p.id for p in found])
        points = []
        offset = 0
        for pulse in found:
            answers = [_answer(v) for v in by_pulse.get(pulse.id, [])]
            points.append(trend_point(f"#{pulse.number}", answers, self.config.min_group, offset))
            offset += len(answers)
        return points


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "a moment ago"
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    hours = minutes // 60
    return f"{hours} hour{'s' if hours != 1 else ''} ago"


class RecentlyInVoice:
    """Who was in a server's main voice channel lately, in memory only, for "the meeting that just happened".

    Without ``/meeting start`` there is no attendance; the cog tells this who leaves the main voice
    channel, and ``/pulse start`` asks everyone there now plus everyone who left within ``hours``.
    Being in a voice channel is visible to everyone in the server, so this holds nothing secret; it
    is forgotten after ``hours`` and on restart (the people still in voice are seen again then).
    """

    def __init__(self, hours: int) -> None:
        self.window = timedelta(hours=hours)
        self._left: dict[int, dict[int, datetime]] = {}

    def left(self, guild_id: int, user_id: int, at: datetime) -> None:
        self._left.setdefault(guild_id, {})[user_id] = at
        self._sweep(guild_id, at)

    def people(self, guild_id: int, present: Iterable[int], now: datetime) -> set[int]:
        """Everyone in the channel now, and everyone who left it within the window."""
        self._sweep(guild_id, now)
        return set(present) | set(self._left.get(guild_id, {}))

    def _sweep(self, guild_id: int, now: datetime) -> None:
        seen = self._left.get(guild_id)
        if not seen:
            return
        for user_id in [u for u, at in seen.items() if now - at > self.window]:
            del seen[user_id]
