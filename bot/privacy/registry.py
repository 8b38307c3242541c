"""What copbot keeps: every table, in words, with the columns that can hold a member's id.

This is the single source for ``/privacy``, ``PRIVACY.md``, ``/mydata`` (export), ``/forget-me``
(erasure) and the retention job's description. A test reads the real schema and fails for any table
that is not listed here, and for any column whose name looks like a member id that is not declared
(see :data:`MEMBER_ID_NAME`), so a new migration cannot add personal data without saying what it is,
why it is kept, how long, and how it is exported and erased.

How a member-id column is erased (``on_erase``):

* ``delete``: the whole row is about the member and is deleted;
* ``blank``: the row belongs to the community (a task, a meeting, a prompt) and stays, with the id
  replaced by :data:`FORGOTTEN` (0, "nobody");
* ``drop``: the column holds JSON with many members' ids (``json`` names its shape); the member's
  id is taken out and the row stays for everyone else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.storage.breakouts import HISTORY_MEETINGS

#: The id written where a forgotten member's id was, in rows kept for the community.
FORGOTTEN = 0

#: Column names that look like they hold a Discord user id. Every match must be declared below.
MEMBER_ID_NAME = re.compile(
    r"(^|_)(user|member|assignee|creator|owner|author|asker|speaker|attendee|voter|participant)(_|s?$)"
    r"|_by$|^user_[a-z]$|^member_[a-z]$"
)

Erase = Literal["delete", "blank", "drop"]
#: Shapes of JSON columns holding member ids: a list of ids; groups (lists) of ids; groups of
#: ``{"id": …}`` objects; ``[id, value]`` pairs.
JsonShape = Literal["ids", "id_groups", "member_groups", "id_pairs"]


@dataclass(frozen=True, slots=True)
class MemberColumn:
    """A column that holds a member's id (or JSON with members' ids)."""

    name: str
    meaning: str
    on_erase: Erase
    json: JsonShape | None = None


@dataclass(frozen=True, slots=True)
class NotAMemberId:
    """A column whose name looks like a member id but is not one, and why."""

    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class Table:
    """One table, described for people (``what``, ``why``, ``kept``, ``seen_by``) and for the code."""

    name: str
    title: str
    what: str
    why: str
    kept: str
    seen_by: str
    member_columns: tuple[MemberColumn, ...] = ()
    not_member_ids: tuple[NotAMemberId, ...] = ()

    @property
    def personal(self) -> bool:
        return bool(self.member_columns)


TABLES: tuple[Table, ...] = (
    Table(
        name="member_profiles",
        title="Your role in the group",
        what="the part of the community you come from (for example patient or public, GP, researcher), "
        "chosen with `/profile` or set by a facilitator",
        why="to mix people from different backgrounds in breakout groups",
        kept="until you change it, ask copbot to forget you, or leave the server (then for the grace period)",
        seen_by="facilitators (`/members list`) and the planner",
        member_columns=(MemberColumn("user_id", "the member whose role it is", "delete"),),
    ),
    Table(
        name="tasks",
        title="Tasks",
        what="tasks agreed at meetings: what, who is doing it, who set it, when it is due, whether it is done, "
        "and when the person doing it was last sent a message about it",
        why="so that actions agreed at one meeting are done by the next, with reminders, and nobody hears about "
        "the same task twice in one day",
        kept="while open; finished or removed tasks are deleted after the retention period",
        seen_by="everyone in the server (`/task list`)",
        member_columns=(
            MemberColumn("assignee_id", "the person doing the task", "blank"),
            MemberColumn("creator_id", "the person who set the task", "blank"),
        ),
    ),
    Table(
        name="reminders",
        title="Reminders",
        what="when each reminder about a task or meeting is due and whether it was sent",
        why="so that no reminder is sent twice or forgotten",
        kept="as long as the task or meeting; reminders to a forgotten person are deleted",
        seen_by="nobody: copbot uses them to send reminders",
        not_member_ids=(
            NotAMemberId(
                "lease_owner", "which copbot process is sending the reminder (machine and process number), not a person"
            ),
        ),
    ),
    Table(
        name="meetings",
        title="Meetings you scheduled",
        what="planned meetings: title, time, how often they repeat and who planned them",
        why="to show the next meeting and post a list of open tasks before it",
        kept="while planned; past meetings are kept as the community's record",
        seen_by="everyone in the server (`/next-meeting`)",
        member_columns=(MemberColumn("created_by", "the facilitator who scheduled it", "blank"),),
    ),
    Table(
        name="meeting_sessions",
        title="Meetings held",
        what="each meeting run with `/meeting start`: its number, title, when it was planned for, when it started "
        "and ended, who started it, and where its panel and recap are",
        why="to take attendance during the meeting and post its recap afterwards",
        kept="as the community's record of its meetings; the person who started one is blanked if forgotten",
        seen_by="everyone in the server (the recap)",
        member_columns=(MemberColumn("started_by", "the facilitator who started the meeting", "blank"),),
    ),
    Table(
        name="meeting_attendance",
        title="Meetings you attended",
        what="when you joined and left the main voice channel during a meeting",
        why="to count who came, by role, in the recap and `/meeting attendance`, and to send the recap to "
        "people who missed it",
        kept="deleted after the retention period",
        seen_by="facilitators, as counts by role (names only if the server turned recap names on)",
        member_columns=(MemberColumn("user_id", "the member who was there", "delete"),),
    ),
    Table(
        name="recap_opt_outs",
        title="Recaps turned off",
        what="that you asked not to get a meeting's recap by direct message when you miss it (`/profile recaps`)",
        why="so copbot respects that choice",
        kept="until you turn recaps back on or ask copbot to forget you",
        seen_by="nobody: copbot reads it before sending recaps",
        member_columns=(MemberColumn("user_id", "the member who turned recaps off", "delete"),),
    ),
    Table(
        name="breakout_meetings",
        title="Breakout groups you were in",
        what="who was in a small group with whom at each past breakout",
        why="so that people meet new faces next time",
        kept=f"only the {HISTORY_MEETINGS} most recent breakouts in each server, which the planner uses; older "
        "ones are deleted every day",
        seen_by="nobody directly: the planner reads it",
        member_columns=(MemberColumn("groups_json", "one of the people in a group", "drop", "id_groups"),),
    ),
    Table(
        name="breakout_sessions",
        title="Breakout plans",
        what="each breakout plan: the groups (as they end up, after moves and late joiners), each person's role, "
        "who was moved out of which group, the rooms, when each room asked for a facilitator (not who asked), "
        "and who made the plan",
        why="so rooms can be opened and closed again, even after a restart",
        kept="finished plans are deleted after the retention period",
        seen_by="the facilitator who made the plan",
        member_columns=(
            MemberColumn(
                "groups_json", "one of the people in a planned group (with their role)", "drop", "member_groups"
            ),
            MemberColumn("created_by", "the facilitator who made the plan", "blank"),
            MemberColumn("moved_json", "someone who was moved from this group to another one", "drop", "id_groups"),
        ),
    ),
    Table(
        name="breakout_keep_apart",
        title="Keep-apart rules",
        what="pairs of members a facilitator asked never to put in the same group, and who asked",
        why="so those two are never placed together",
        kept="until a facilitator lifts the rule or one of the two is forgotten",
        seen_by="facilitators (`/breakout keep-apart-list`)",
        member_columns=(
            MemberColumn("user_a", "one of the two members", "delete"),
            MemberColumn("user_b", "the other of the two members", "delete"),
            MemberColumn("created_by", "the facilitator who made the rule", "blank"),
        ),
    ),
    Table(
        name="icebreaker_rounds",
        title="Speaking rounds",
        what="the order in which people were called in a speaking round, and who spoke or passed",
        why="so a round carries on after a restart and ends with a thank-you",
        kept="finished rounds are deleted after the retention period",
        seen_by="the people in the round, in the channel",
        member_columns=(
            MemberColumn("speaker_order", "one of the people called", "drop", "ids"),
            MemberColumn("outcomes", "someone who spoke or passed", "drop", "id_pairs"),
        ),
    ),
    Table(
        name="icebreaker_custom_prompts",
        title="Icebreaker questions you added",
        what="icebreaker questions facilitators added, and who added them",
        why="to ask them at meetings",
        kept="until removed; the question stays for the community if the person who added it is forgotten",
        seen_by="everyone in the server (`/icebreaker list`)",
        member_columns=(MemberColumn("created_by", "the facilitator who added it", "blank"),),
    ),
    Table(
        name="departed_members",
        title="Leaving the server",
        what="that you left the server, and when",
        why="to forget you there after the grace period, unless you come back",
        kept="until you come back or are forgotten",
        seen_by="nobody: copbot uses it to forget people who left",
        member_columns=(MemberColumn("user_id", "the member who left", "delete"),),
    ),
    Table(
        name="privacy_notices",
        title="Notices about forgotten members' tasks",
        what="a short notice waiting to be sent to the person who set a task for someone who was then forgotten",
        why="so they know the task has nobody doing it",
        kept="until the notice is sent",
        seen_by="nobody: copbot sends it and deletes it",
        member_columns=(MemberColumn("user_id", "the person to tell", "delete"),),
    ),
    Table(
        name="questions",
        title="Anonymous questions",
        what="each anonymous question's text, number, status and times. There is no record of who asked",
        why="to post questions, count “Me too” and let facilitators answer them",
        kept="the text of answered or removed questions is deleted after the retention period",
        seen_by="everyone in the server (the posts) and facilitators (`/questions list`, `/questions export`)",
    ),
    Table(
        name="question_answers",
        title="Written answers to questions",
        what="the answer a facilitator wrote under an anonymous question. There is no record of who asked, "
        "nor of who answered",
        why="so people who were not at the meeting can read the answer",
        kept="as long as the question's text",
        seen_by="everyone in the server (under the question, in the recap) and facilitators (`/questions export`)",
    ),
    Table(
        name="question_votes",
        title="“Me too” votes",
        what="a fingerprint per vote, so nobody can vote twice. It is made from your id with a secret that "
        "is never saved and is replaced after each meeting; after that, nobody can link it to you",
        why="to count “Me too” fairly",
        kept="as long as the question",
        seen_by="nobody: only the count is shown",
        not_member_ids=(NotAMemberId("voter_hash", "a keyed one-way fingerprint, not a member id"),),
    ),
    Table(
        name="pulses",
        title="Check-ins after meetings",
        what="each anonymous check-in (`/pulse`): its number, the meeting it follows, when it opened and "
        "closed, how many people were asked, and which facilitator sent it",
        why="to ask the people at a meeting how it went, and to show the results",
        kept="as the community's record; the facilitator who sent one is blanked if forgotten",
        seen_by="facilitators (`/pulse results`)",
        member_columns=(MemberColumn("opened_by", "the facilitator who sent the check-in", "blank"),),
    ),
    Table(
        name="pulse_invitees",
        title="Check-ins you were asked to answer",
        what="that you were at a meeting whose check-in is still open, so that only the people who were "
        "there can answer. It does not say whether you answered",
        why="to refuse answers from people who were not at the meeting",
        kept="only while the check-in is open (at most 48 hours); deleted when it closes",
        seen_by="nobody: copbot checks it when someone presses “Answer anonymously”",
        member_columns=(MemberColumn("user_id", "a member who was asked", "delete"),),
    ),
    Table(
        name="pulse_answers",
        title="Anonymous check-in answers",
        what="the scores, the comment and (only if the person chose to share it) the role of each check-in "
        "answer. There is no record of who answered, nor of when: answers are written in shuffled batches "
        "with random keys, so their order is not kept either",
        why="to show facilitators how each meeting felt, by role only where at least five answers share it",
        kept="deleted after the retention period, counted from when the check-in closed",
        seen_by="facilitators, as averages and comments (`/pulse results`)",
    ),
    Table(
        name="welcome_posts",
        title="The Start here post",
        what="where the server's one Start here post is, for newcomers whose direct messages are closed. It "
        "names nobody",
        why="so a newer post replaces the old one instead of adding another",
        kept="until the next one replaces it",
        seen_by="everyone in the meeting channel (the post itself)",
    ),
    Table(
        name="glossary_terms",
        title="Glossary words you wrote",
        what="the community's glossary: each word, its plain-language meaning, when it was added or last "
        "changed, how often it was looked up, the /explain question it came from (if any), and which "
        "facilitator last wrote it. Members never see who wrote a word",
        why="so everyone can look up the words used at meetings, and the welcome can show the ones looked up most",
        kept="until a facilitator removes the word; the word stays for the community if the person who wrote it "
        "is forgotten",
        seen_by="everyone in the server (`/glossary`), with no writer's name; the facilitator who last wrote a word "
        "is shown only to facilitators, in their own private reply",
        member_columns=(MemberColumn("written_by", "the facilitator who last wrote the word", "blank"),),
    ),
    Table(
        name="glossary_servers",
        title="Starter glossary",
        what="that a server's glossary was started with copbot's starter words, and when",
        why="so starter words a community removed never come back",
        kept="as long as copbot is in the server",
        seen_by="nobody",
    ),
    Table(
        name="community_aims",
        title="Changes to the aims you made",
        what="each version of the community's aims: the text, the date, a one-line reason, the meeting that "
        "was open at the time, and which facilitator made the change. Members never see who made a change",
        why="so everyone can see the aims now and how they changed over time (`/aims`)",
        kept="always, as the community's record; the person who made a change is blanked if forgotten",
        seen_by="everyone in the server (`/aims`), with no name",
        member_columns=(MemberColumn("changed_by", "the facilitator who changed the aims", "blank"),),
    ),
    Table(
        name="guild_settings",
        title="Server settings",
        what="the server's channels, facilitator role, timezone, moderation choice and whether new members get "
        "the welcome",
        why="to know where to post",
        kept="as long as copbot is in the server",
        seen_by="everyone (`/settings show`)",
    ),
    Table(
        name="reminder_policies",
        title="Reminder rules",
        what="the server's choice of when reminders go out",
        why="to send reminders when this community wants them",
        kept="as long as copbot is in the server",
        seen_by="everyone (`/settings show`)",
    ),
    Table(
        name="icebreaker_hidden_prompts",
        title="Hidden icebreaker questions",
        what="built-in icebreaker questions a server chose to hide",
        why="so they are not asked there",
        kept="as long as copbot is in the server",
        seen_by="everyone (`/icebreaker list`)",
    ),
    Table(
        name="icebreaker_used_prompts",
        title="Icebreaker questions already asked",
        what="which icebreaker questions were asked recently",
        why="so a question is not repeated until all have been used",
        kept="until every question has been used once",
        seen_by="nobody",
    ),
    Table(
        name="icebreaker_last_prompts",
        title="The last icebreaker question",
        what="the icebreaker question asked last",
        why="so a new cycle does not start with it",
        kept="until the next question",
        seen_by="nobody",
    ),
    Table(
        name="schema_migrations",
        title="Database version",
        what="which upgrades of the database have been applied",
        why="to upgrade the database safely",
        kept="always",
        seen_by="the person who runs copbot",
    ),
)

BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


@dataclass(frozen=True, slots=True)
class NeverKept:
    """Something a member gives copbot that it uses at once and never stores, logs or posts."""

    title: str
    what: str


#: What copbot sees but never keeps (``PRIVACY.md`` says so; tests search the database, the logs and
#: every channel for each of these after the real flow).
NEVER_KEPT: tuple[NeverKept, ...] = (
    NeverKept(
        "Your welcome",
        "copbot keeps no record of who it welcomed, or how far they got. The welcome message in your own direct "
        "messages is its only record: copbot looks for it there so it never sends the welcome twice",
    ),
    NeverKept(
        "The practice question in the welcome",
        "the question you type in the welcome's practice form is shown back to you alone, to show how a question "
        "would look. It is never posted, never saved and never written to a log",
    ),
)


def personal_tables() -> list[Table]:
    """Tables with at least one member-id column, in the order above."""
    return [t for t in TABLES if t.personal]


def schema_problems(columns: list[tuple[str, str]]) -> list[str]:
    """What the registry fails to declare about a schema given as (table, column) pairs; empty if complete.

    Every table must be listed in :data:`TABLES`; every column whose name looks like a member id
    (:data:`MEMBER_ID_NAME`) must be declared as a member column or as not a member id; and every
    declared column must exist.
    """
    problems: list[str] = []
    by_table: dict[str, set[str]] = {}
    for table, column in columns:
        by_table.setdefault(table, set()).add(column)
    for table, names in sorted(by_table.items()):
        entry = BY_NAME.get(table)
        if entry is None:
            problems.append(
                f"table {table} is not in bot/privacy/registry.py: say what it keeps, why, for how long, "
                "and which columns hold member ids"
            )
            continue
        declared = {c.name for c in entry.member_columns} | {c.name for c in entry.not_member_ids}
        for name in sorted(names):
            if MEMBER_ID_NAME.search(name) and name not in declared:
                problems.append(f"{table}.{name} looks like a member id but is not declared in bot/privacy/registry.py")
        for name in sorted(declared - names):
            problems.append(f"{table}.{name} is declared in bot/privacy/registry.py but does not exist")
    return problems
