"""The welcome's words: five short steps, each a message of at most 60 words at reading grade 5 or below.

Pure: the service gathers what the steps need (the community's aims, the glossary's words, the next
meeting, who to contact) and these functions write the text; the cog turns each :class:`Step` into a
message with buttons. Kept together so the whole welcome can be read, counted and graded in one place
(``tests/bot/welcome/test_steps.py`` measures every step with textstat).

The words follow the study's advice for new lay members: say who the group is and what a meeting is
like, help them see where they fit, show them how to ask without their name, give them the words they
will hear, and tell them when to come and who to ask. Discord markup (a timestamp, a channel) is written
out here as Discord spells it, because domain code does not import discord. What the welcome says about
anonymity comes word for word from :mod:`bot.privacy.promise` (step 3 and the practice reply between
them say all of :data:`bot.privacy.promise.SHORT` and that the person who runs copbot sees DMs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.community_text import shown
from bot.privacy.promise import ANY_BOT, DM_SEEN, KEEPS_NOTHING, TRUST
from bot.roles import ROLES

STEPS = 5
#: The most words of the aims the first step shows (the rest is one ``/aims`` away).
AIMS_WORDS = 35
#: The most glossary words the fourth step offers as buttons.
WORDS_SHOWN = 6
#: The welcome's promise about the practice form, said on step 3 and again under the practice.
PRACTICE_PROMISE = "Nothing you type there is posted or kept."
#: What the practice shows, above the question as it would look.
PRACTICE_SHOWN = (
    "This is how your question would look. It was only practice: it was not posted anywhere, and copbot did "
    f"not keep it. To ask for real, type /ask in the server. {ANY_BOT} {TRUST}"
)
PRACTICE_REFUSED = "It was only practice: nothing was posted or kept."
FINISHED = "You are all set. See you at the meeting! Type /welcome in the server if you want to see this again."
START_HERE = "New here? Press **Start here** for a short welcome, one step at a time. Only you will see it."
DM_SENT = "I have sent you the welcome in a direct message."
DM_CLOSED = "I couldn't send you a direct message, so here is the welcome. Only you can see it."


@dataclass(frozen=True, slots=True)
class RoleChoice:
    """One button on step 2."""

    key: str
    label: str
    chosen: bool


@dataclass(frozen=True, slots=True)
class Word:
    """One glossary word offered on step 4 (a button that shows its meaning); ``number`` is its per-server
    number, which the button carries."""

    number: int
    term: str


@dataclass(frozen=True, slots=True)
class NextMeeting:
    title: str
    starts_at: datetime


@dataclass(frozen=True, slots=True)
class Step:
    """One step as the member sees it: its text and which buttons it carries."""

    number: int
    text: str
    roles: tuple[RoleChoice, ...] = ()
    words: tuple[Word, ...] = ()
    practice: bool = False
    calendar: bool = False

    @property
    def has_back(self) -> bool:
        return self.number > 1

    @property
    def is_last(self) -> bool:
        return self.number == STEPS


def _counter(number: int) -> str:
    return f"({number} of {STEPS})"


def _timestamp(at: datetime, style: str) -> str:
    """A Discord timestamp, as ``discord.utils.format_dt`` writes it: each reader sees their own time."""
    return f"<t:{int(at.timestamp())}:{style}>"


def aims_summary(aims: str, max_words: int = AIMS_WORDS) -> tuple[str, bool]:
    """The aims' first whole sentences within ``max_words`` (the first sentence cut if it alone is longer);
    and whether anything was left out."""
    flat = " ".join(aims.split())
    sentences = re.split(r"(?<=[.!?])\s+", flat)
    kept: list[str] = []
    used = 0
    for sentence in sentences:
        words = len(sentence.split())
        if used + words > max_words:
            break
        kept.append(sentence)
        used += words
    if not kept:
        return " ".join(flat.split()[:max_words]) + "…", True
    return " ".join(kept), len(kept) < len(sentences)


def step_one(community: str, aims: str) -> Step:
    """Who we are (from the aims) and what a meeting is like."""
    summary, cut = aims_summary(aims)
    more = " There is more in /aims." if cut else ""
    return Step(
        1,
        f"Welcome to **{shown(community)}**! {_counter(1)}\n"
        f"{shown(summary)}{more}\n"
        "At a meeting we talk in a voice call. You can listen, talk or type.",
    )


def step_two(chosen: str | None) -> Step:
    """Which role fits them best, as buttons; after a choice, what was saved."""
    roles = tuple(RoleChoice(r.key, r.short, r.key == chosen) for r in ROLES)
    head = f"**Which of these fits you best?** {_counter(2)}"
    if chosen is not None:
        label = next(r.short for r in ROLES if r.key == chosen)
        return Step(
            2,
            f"{head}\nSaved: **{label}**. Thank you! It helps us mix small groups. "
            "You can change it here, or later with /profile.",
            roles=roles,
        )
    lines = "\n".join(f"**{r.short}**: {r.brings}." for r in ROLES)
    return Step(2, f"{head}\n{lines}", roles=roles)


def step_three() -> Step:
    """How to ask without your name, with the practice form."""
    return Step(
        3,
        f"**Ask without your name** {_counter(3)}\n"
        "Type /ask in the server. Your question is posted without your name. "
        f"{KEEPS_NOTHING} {DM_SEEN}\n"
        f"Press **Practice** to try. {PRACTICE_PROMISE}",
        practice=True,
    )


def step_four(words: tuple[Word, ...]) -> Step:
    """Words they will hear: the glossary's most-read words, each a button."""
    pick = " Press one to see what it means." if words else ""
    return Step(
        4,
        f"**Words you will hear** {_counter(4)}\n"
        f"Some words at our meetings may be new to you.{pick} In the server, /glossary shows them all. "
        "You can ask what any word means with /explain, without your name.",
        words=words[:WORDS_SHOWN],
    )


def step_five(meeting: NextMeeting | None, contact: str, meeting_channel_id: int | None) -> Step:
    """The next meeting (a timestamp each reader sees in their own time, and a calendar file), and who to ask."""
    channel = f"<#{meeting_channel_id}>" if meeting_channel_id else None
    if meeting is not None:
        when = (
            f"Our next meeting is **{shown(meeting.title)}**, {_timestamp(meeting.starts_at, 'F')} "
            f"({_timestamp(meeting.starts_at, 'R')}). Press **Add to my calendar** for a calendar file."
        )
    else:
        when = "No meeting is planned yet." + (f" We will post it in {channel}." if channel else "")
    if contact:  # the operator's own words (``community.contact``), like ``privacy.contact``
        ask = f"Not sure about something? Ask {contact}."
    else:
        ask = "Not sure about something? Ask any facilitator" + (f", or post in {channel}." if channel else ".")
    return Step(
        5,
        f"**Our next meeting** {_counter(5)}\n{when}\n{ask} /privacy says what copbot keeps.\n"
        "That's all! Press **Done** when you are ready.",
        calendar=meeting is not None,
    )
