"""Breakout rules that do not need Discord: who takes part, how to plan, what members are told.

The cog gathers members from Discord and hands plain values in here, so the rules (who counts as a
facilitator, which sizes are allowed, the sentences people read) are tested without a server.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from bot import permissions
from bot.errors import UserError
from bot.grouping import Constraints, History, InfeasibleError, Participant, Plan
from bot.grouping.meeting import ATTENDANCE_WINDOW, plan_meeting
from bot.roles import FACILITATOR, OTHER, is_role
from bot.storage.breakouts import KeepApartRule, PlannedMember

MIN_SIZE = 2
MAX_SIZE = 25
CATEGORY_NAME = "Breakouts"
DISCUSSION_PROMPT = (
    "Say hello and tell the group who you are. Then share one thing from today that matters to you. "
    "What one idea should everyone hear when we come back?"
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A member who could join a breakout: their id and whether Discord marks them as a facilitator."""

    user_id: int
    has_facilitator_role: bool


@dataclass(frozen=True, slots=True)
class Roster:
    """The people to group, and how many of them have not chosen a role (they count as ``other``)."""

    participants: list[Participant]
    without_role: int


def check_size(size: int) -> None:
    """Refuse sizes outside 2–25 with one sentence, before any work is done."""
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise UserError(f"Please choose a group size from {MIN_SIZE} to {MAX_SIZE} people.")


#: ``/breakout plan`` without a size, when the size is needed.
SIZE_NEEDED = "Please say how many people you want in each group, from 2 to 25."


def check_plan_options(size: int | None, reuse: str | None) -> None:
    """A new plan needs a size; bringing back the last groups (``reuse``) does not use one, so it is not
    asked for then (and not checked: it is ignored)."""
    if reuse is not None:
        return
    if size is None:
        raise UserError(SIZE_NEEDED)
    check_size(size)


def room_name(number: int) -> str:
    return f"Group {number}"


def build_roster(candidates: Iterable[Candidate], roles: dict[int, str]) -> Roster:
    """Turn members into participants.

    A member is a facilitator when Discord gives them the facilitator role OR they chose the
    stakeholder role ``facilitator``: either way they can lead a group (a Discord facilitator without a
    stakeholder role is shown as Facilitator). Other members without a stakeholder role count as ``other``
    so nobody is left out of the breakouts for not having used ``/profile``.
    """
    participants: list[Participant] = []
    without_role = 0
    seen: set[int] = set()
    for c in candidates:
        if c.user_id in seen:
            continue
        seen.add(c.user_id)
        role = roles.get(c.user_id)
        if role is None or not is_role(role):
            if c.has_facilitator_role:
                role = FACILITATOR  # leading a group is their role today; nothing to ask them
            else:
                without_role += 1
                role = OTHER
        participants.append(Participant(c.user_id, role, c.has_facilitator_role or role == FACILITATOR))
    return Roster(participants, without_role)


def participants_from_plan(groups: Iterable[Iterable[PlannedMember]]) -> list[Participant]:
    """The participants of a stored plan, for a reshuffle with the same people."""
    return [Participant(m.user_id, m.role, m.is_facilitator) for g in groups for m in g]


def planned_groups(plan: Plan) -> list[list[PlannedMember]]:
    """A plan's groups as the values the database stores."""
    return [[PlannedMember(int(p.id), p.role, p.is_facilitator) for p in g] for g in plan.groups]  # type: ignore[call-overload]


def members_with_roles(roles: dict[int, str] | None) -> list[Participant]:
    """Every member with a stakeholder role, as the planner's participants: the people who may come to
    later meetings (members who left have no role here, so they are not expected)."""
    return [Participant(user_id, role, role == FACILITATOR) for user_id, role in (roles or {}).items() if is_role(role)]


def attendance_for_planning(recorded: Sequence[Collection[int]], history: History | None) -> list[set[int]] | None:
    """Who came to each recent meeting, for weighing people by how often they come: the attendance copbot
    recorded (``/meeting start``) when it covers at least as many meetings as the breakout history, else
    None (the planner then reads who was in each breakout of the history)."""
    breakouts = history.meeting_count if history is not None else 0
    if not recorded or len(recorded) < min(breakouts, ATTENDANCE_WINDOW):
        return None
    return [set(people) for people in recorded]


def make_plan(
    participants: list[Participant],
    *,
    size: int,
    history: History | None,
    keep_apart: Iterable[KeepApartRule],
    seed: int,
    time_budget: float,
    name: Callable[[Hashable], str] = str,
    avoid: Sequence[Sequence[Sequence[Hashable]]] = (),
    roles: dict[int, str] | None = None,
    attended: Sequence[Collection[Hashable]] | None = None,
    season_meetings: int = 1,
) -> Plan:
    """Run the planner, turning every refusal into one plain sentence that names people, not ids.

    The planning itself is :func:`bot.grouping.meeting.plan_meeting`, the same function
    ``copbot groups plan`` calls offline, so both give the same groups for the same inputs and seed.
    ``roles`` are every member's stakeholder role (who may come later) and ``attended`` who came to each
    recent meeting, oldest first (copbot's recorded attendance; None: read from the breakout history),
    which weigh the people expected at later meetings by how often they come.

    This is blocking CPU work (up to ``time_budget`` seconds); callers on the event loop run it in a thread.
    """
    check_size(size)
    n = len(participants)
    if n == 0:
        raise UserError(
            "There is nobody to put into groups yet. Ask people to join the voice channel, or to choose a role "
            "with `/profile`."
        )
    if n < size:
        people = "1 member" if n == 1 else f"{n} members"
        raise UserError(
            f"There {'is' if n == 1 else 'are'} only {people} to put into groups, fewer than a group of {size}. "
            "Please choose a smaller size."
        )
    constraints = Constraints(keep_apart=[(r.user_a, r.user_b) for r in keep_apart])
    try:
        return plan_meeting(
            participants,
            size=size,
            history=history,
            constraints=constraints,
            seed=seed,
            time_budget=time_budget,
            members=members_with_roles(roles),
            attended=attended,
            season_meetings=season_meetings,
            avoid=avoid,
        )
    except InfeasibleError as error:
        raise UserError(error.describe(name)) from None


def progress_text(rooms_done: int, rooms_total: int, moved: int, to_move: int) -> str:
    """What the facilitator sees while rooms open: 'Opening rooms 3/8 … moving 14/40'."""
    text = f"Opening rooms {rooms_done}/{rooms_total}"
    if rooms_done >= rooms_total or moved:
        text += f" … moving {moved}/{to_move}"
    return text


def people(count: int) -> str:
    """``1 person``, ``3 people``."""
    return "1 person" if count == 1 else f"{count} people"


def name_list(names: Sequence[str], most: int = 10) -> str:
    """``Sam, Kim and 4 more``: a facilitator wants to know who, but a message has a length limit."""
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


@dataclass(slots=True)
class MoveResult:
    """What happened to the people of a breakout as the rooms opened."""

    moved: int = 0
    #: Names of people in voice whom Discord would not move (they were told their room instead).
    not_moved: list[str] = field(default_factory=list)
    #: People not in voice who got a direct message with their room.
    told: int = 0
    #: People whose direct messages are closed, named in the meeting channel instead.
    mentioned: int = 0


def open_report(rooms: int, result: MoveResult, unposted: int) -> list[str]:
    """The facilitator's summary once the rooms are open, one line per thing worth knowing."""
    lines = [f"Breakout rooms are open: {rooms} rooms, {people(result.moved)} moved."]
    if result.told:
        were = "was" if result.told == 1 else "were"
        lines.append(f"{people(result.told)} who {were} not in voice got a message telling them their room.")
    if result.not_moved:
        lines.append(
            f"I could not move {people(len(result.not_moved))} ({name_list(result.not_moved)}), "
            "so I told them their room."
        )
    if result.mentioned:
        lines.append(
            f"{people(result.mentioned)} could not get a direct message, so I named them in the meeting channel."
        )
    if unposted:
        lines.append(f"I could not post the welcome note in {unposted} rooms.")
    return lines


def missing_permission(has: Callable[[str], bool], *, main_voice: Callable[[str], bool] | None = None) -> str | None:
    """The sentence naming every permission the bot lacks for breakouts, or None when it has them all.

    ``has`` answers for the server (the rooms copbot makes inherit it); ``main_voice`` for the main
    voice channel, where people are moved back and which may override the server's permissions.
    The list itself is :data:`bot.permissions.BREAKOUTS`, shared with the invite link and the README.
    """
    sentence = permissions.missing_sentence(
        permissions.missing(permissions.BREAKOUTS, has), "to make breakout rooms and move people into them"
    )
    if sentence is None and main_voice is not None:
        sentence = permissions.missing_sentence(
            permissions.missing(permissions.VOICE_TARGET, main_voice),
            "to bring people back",
            where="the main voice channel",
        )
    return None if sentence is None else f"{sentence} Nothing was created."
