"""End to end: six meetings held through the real bot under SimCord, then ``/meeting report``.

The community: a facilitator, six lay members, three clinicians, a GP, a researcher who first comes to
the third meeting, and one member who comes once (to the second) and never again. Each meeting is
opened and closed with ``/meeting start`` and ``/meeting end``; tasks are set with ``/task add`` and
finished with ``/task done`` between meetings; questions are asked with ``/ask`` and ``/explain`` and
marked answered with the post's button; after five of the meetings the check-in is sent with
``/pulse start`` and answered through its DM button, some with the role shared and some without.

The check-ins are built to exercise the small-group rule (``pulse.min_group`` is 5):

=======  =======================================  ==================================================
meeting  answers (role shared)                     what ``/pulse results`` shows, so the report too
=======  =======================================  ==================================================
#1       6 lay, 3 clinicians, GP, facilitator     everyone, lay (6), other roles (5)
#2       4 (3 lay, the once-only member)          only the count
#3       4 lay, 3 clinicians, GP, res., fac.      everyone only (no role has 5)
#4       no check-in                               nothing
#5       5 lay, 3 clinicians, GP, res., fac.      everyone, lay (5), other roles (6)
#6       5 lay, 1 clinician                        everyone only (other roles would hold 1: merged)
=======  =======================================  ==================================================

The report's CSV is checked figure by figure against the database (read here with SQL of its own),
its HTML against the CSV and for the hidden groups, and both files for every member's name and id.
"""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import re
from html.parser import HTMLParser

import pytest
import time_machine
from conftest import Community

from tests.browser import chart_pixels, chromium_path, open_page

pytestmark = pytest.mark.timeout(600)  # the report test drives a headless Chromium

ANSWER = "Answer anonymously"
WEEK = 7 * 24 * 3600
ROLES = {
    **{f"lay{i}": "lay" for i in range(6)},
    **{f"clin{i}": "clinician" for i in range(3)},
    "gp0": "gp",
    "res0": "researcher",
    "once0": "other",
}
EVERYONE_BUT = {"res0", "once0"}
#: Who comes to each meeting (the facilitator always does).
ATTENDS = {
    1: [k for k in ROLES if k not in EVERYONE_BUT],
    2: ["lay0", "lay1", "lay2", "lay3", "clin0", "clin1", "gp0", "once0"],
    3: ["lay0", "lay1", "lay2", "lay3", "clin0", "clin1", "clin2", "gp0", "res0"],
    4: ["lay0", "lay1", "lay2", "clin0", "clin1", "gp0", "res0"],
    5: [k for k in ROLES if k != "once0"],
    6: [k for k in ROLES if k != "once0"],
}
#: Who answers each check-in, and whether they share their role ("fac" is the facilitator).
ANSWERS: dict[int, dict[str, str] | None] = {
    1: {
        **{f"lay{i}": "yes" for i in range(6)},
        "clin0": "yes",
        "clin1": "yes",
        "clin2": "yes",
        "gp0": "yes",
        "fac": "yes",
    },
    2: {"lay0": "yes", "lay1": "yes", "lay2": "no", "once0": "yes"},
    3: {
        "lay0": "yes",
        "lay1": "yes",
        "lay2": "yes",
        "lay3": "yes",
        "clin0": "yes",
        "clin1": "yes",
        "clin2": "yes",
        "gp0": "yes",
        "res0": "yes",
        "fac": "yes",
    },
    4: None,
    5: {
        **{f"lay{i}": "yes" for i in range(5)},
        "clin0": "yes",
        "clin1": "yes",
        "clin2": "yes",
        "gp0": "yes",
        "res0": "yes",
        "fac": "yes",
    },
    6: {**{f"lay{i}": "yes" for i in range(5)}, "clin0": "yes"},
}


def scores(key: str, meeting: int) -> tuple[str, str, str]:
    """Lay members feel less able to speak at first and more later; everyone else scores about 4.5.

    Within every group the scores differ by one from person to person: where a whole group gives the
    same score, ``/pulse results`` (and so the report) holds that statement back.
    """
    wobble = int(key[-1]) % 2 if key[-1].isdigit() else 1
    if ROLES.get(key) == "lay":
        return (str(min(1 + meeting // 2 + wobble, 5)), str(2 + wobble), str(3 + wobble))
    return (str(4 + wobble), str(3 + wobble), str(3 + wobble))


def invitation(member):
    found = [
        m
        for m in member.user.dm_channel.history()
        if any(getattr(c, "label", None) == ANSWER for row in m.components for c in row.children)
    ]
    assert found, f"{member.user.name} got no check-in message"
    return found[-1]


async def answer(member, values: tuple[str, str, str], share: str):
    shown = await member.user.click(invitation(member), label=ANSWER)
    assert shown.modal is not None, shown
    done = await member.user.submit_modal(
        shown,
        {"felt_able": [values[0]], "understood": [values[1]], "good_use": [values[2]], "share_role": [share]},
    )
    assert "Thank you" in done.response.content, done.response.content


def post_with(community: Community, custom_id: str):
    """The message carrying a button: the facilitators' buttons are on each question's copy in the
    facilitator channel (members see Me too only)."""
    for message in [*community.questions.history(), *community.facilitators.history()]:
        if any(getattr(c, "custom_id", None) == custom_id for row in message.components for c in row.children):
            return message
    raise AssertionError(f"no post with {custom_id}")


class _Tables(HTMLParser):
    """Every table of the page: its id, caption and rows of cell text; plus all headings and script tags."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.tags: set[str] = set()
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "table":
            self._table = dict(attrs).get("id") or f"table{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._table:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


async def test_six_meetings_make_a_report_that_holds_the_figures_and_names_nobody(
    simcord_env, community: Community, tmp_path
):
    await community.configure()
    fac = community.facilitator
    early = await fac.slash(community.meeting, "meeting report")
    assert early.response.ephemeral and "nothing to report" in early.response.content
    people = {}
    for key, role in ROLES.items():
        member = community.add_member(f"zq_{key}_member", global_name=f"Quillon {key.capitalize()}bright")
        await member.slash(community.meeting, "profile", role=role)
        people[key] = member
    await fac.slash(community.meeting, "profile", role="facilitator")
    everyone = {**people, "fac": fac}
    assert "meeting report" not in people["lay0"].available_commands(community.meeting)  # facilitators

    in_voice: set[str] = set()
    task_numbers: dict[int, list[int]] = {}
    question_number = 0

    with time_machine.travel(simcord_env.now(), tick=False) as clock:

        async def step(seconds: int) -> None:
            clock.shift(seconds)
            await simcord_env.advance_time(seconds)

        numbered = itertools.count(1)

        async def add_task(who: str, due: str) -> int:
            described = f"Follow up item {next(numbered)} for {who}."  # words no other task has
            await fac.slash(community.meeting, "task add", description=described, assignee=everyone[who], due=due)
            # The number, as a member picks it: the choice with the task's words.
            offered = await fac.autocomplete(community.meeting, "task done", "id", described)
            return int(offered[0]["value"])

        async def ask(who: str, kind: str = "ask") -> int:
            nonlocal question_number
            if kind == "ask":
                shown = await everyone[who].slash(community.meeting, "ask")
                await everyone[who].submit_modal(
                    shown, {"question": f"What happens next with the plan {question_number}?"}
                )
            else:
                await everyone[who].slash(community.meeting, "explain", term=f"commissioning round {question_number}")
            question_number += 1
            return question_number

        async def mark_answered(number: int) -> None:
            custom_id = f"copbot:questions:answered:n{number}"
            clicked = await fac.click(post_with(community, custom_id), custom_id=custom_id)
            assert clicked.acknowledged

        async def meeting(number: int, actions) -> None:
            wanted = {*ATTENDS[number], "fac"}
            for key in in_voice - wanted:
                await everyone[key].leave_voice()
            for key in sorted(wanted - in_voice):
                await everyone[key].join_voice(community.voice)
            in_voice.clear()
            in_voice.update(wanted)
            started = await fac.slash(community.meeting, "meeting start")
            assert "has started" in started.response.content
            await step(600)
            task_numbers[number] = await actions()
            await step(600)
            ended = await fac.slash(community.meeting, "meeting end")
            assert "has ended" in ended.response.content
            plan = ANSWERS[number]
            if plan is not None:
                await fac.slash(community.meeting, "pulse start")
                for key, share in plan.items():
                    await answer(everyone[key], scores(key, number), share)
                if len(plan) < len(wanted):
                    await fac.slash(community.meeting, "pulse close")

        async def first():
            tasks = [await add_task("lay0", "in 5 days"), await add_task("clin0", "in 10 days")]
            one = await ask("lay1")
            await ask("lay2")
            await ask("lay3", "explain")
            await step(300)
            await mark_answered(one)
            return tasks

        await meeting(1, first)
        await step(3 * 24 * 3600)
        await people["lay0"].slash(community.meeting, "task done", id=task_numbers[1][0])
        await mark_answered(2)  # carried forward, answered between meetings
        await step(4 * 24 * 3600 - 1800)

        async def second():
            tasks = [await add_task("gp0", "in 3 days")]
            await ask("lay0")
            return tasks

        await meeting(2, second)
        await step(24 * 3600)
        await people["clin0"].slash(community.meeting, "task done", id=task_numbers[1][1])  # after meeting #2 began
        await step(6 * 24 * 3600 - 1800)

        async def third():
            tasks = [await add_task("lay1", "in 5 days"), await add_task("lay2", "in 5 days")]
            a, b = await ask("clin2"), await ask("res0")
            await mark_answered(a)
            await mark_answered(b)
            return tasks

        await meeting(3, third)
        await step(2 * 24 * 3600)
        await people["lay1"].slash(community.meeting, "task done", id=task_numbers[3][0])
        await people["gp0"].slash(community.meeting, "task done", id=task_numbers[2][0])  # late, but done
        await step(5 * 24 * 3600 - 1800)

        async def fourth():
            await ask("lay1", "explain")
            return [await add_task("res0", "in 6 days")]

        await meeting(4, fourth)
        await step(WEEK - 1800)

        async def fifth():
            tasks = [await add_task("lay3", "in 4 days"), await add_task("clin1", "in 4 days")]
            q = await ask("lay4")
            await mark_answered(q)
            return tasks

        await meeting(5, fifth)
        await step(24 * 3600)
        await people["lay3"].slash(community.meeting, "task done", id=task_numbers[5][0])
        await people["clin1"].slash(community.meeting, "task done", id=task_numbers[5][1])
        await step(WEEK - 24 * 3600 - 1800)

        async def sixth():
            await ask("lay5")
            return [await add_task("lay4", "in 7 days")]

        await meeting(6, sixth)
        await step(3600)

        result = await fac.slash(community.meeting, "meeting report")
        short = await fac.slash(community.meeting, "meeting report", last=3)

    reply = result.response
    assert reply.ephemeral and "report of the last 6 meetings" in reply.content, reply.content
    html_file, csv_file = sorted(reply.attachments, key=lambda a: a.filename.endswith(".csv"))
    assert html_file.filename == "copbot-report-meetings-1-6.html" and csv_file.filename.endswith("1-6.csv")
    html = (await html_file.read()).decode("utf-8")
    table = (await csv_file.read()).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(table)))
    figure = {(r["section"], r["meeting"], r["figure"], r["group"]): r for r in rows}

    def value(section: str, meeting: int | str, name: str, group: str = "Everyone") -> str:
        return figure[(section, str(meeting), name, group)]["value"]

    db = simcord_env.bot.db
    guild = community.guild.id
    sessions = await db.fetchall(
        "SELECT id, number, started_at, ended_at FROM meeting_sessions WHERE guild_id = ? ORDER BY number", (guild,)
    )
    assert [int(s[1]) for s in sessions] == [1, 2, 3, 4, 5, 6]
    windows = {int(s[1]): (int(s[0]), s[2], s[3]) for s in sessions}

    # Who comes: attendance by role per meeting, straight from the attendance and profile tables.
    for number, (session_id, _, _) in windows.items():
        counted = await db.fetchall(
            "SELECT p.role, COUNT(DISTINCT a.user_id) FROM meeting_attendance a JOIN member_profiles p"
            " ON p.guild_id = a.guild_id AND p.user_id = a.user_id WHERE a.session_id = ? GROUP BY p.role",
            (session_id,),
        )
        by_role = {str(r[0]): int(r[1]) for r in counted}
        assert sum(by_role.values()) == len(ATTENDS[number]) + 1
        assert value("attendance", number, "people") == str(sum(by_role.values()))
        assert value("attendance", number, "people", "Patient or public") == str(by_role.get("lay", 0))
        assert value("attendance", number, "people", "Clinician") == str(by_role.get("clinician", 0))
    assert [value("attendance", n, "new faces") for n in range(1, 7)] == ["11", "1", "1", "0", "0", "0"]
    assert value("attendance", "", "came once, not again") == "1"  # once0, of the 2 new after #1
    assert figure[("attendance", "", "came once, not again", "Everyone")]["out_of"] == "13"
    lay_total = sum(sum(1 for k in ATTENDS[n] if ROLES[k] == "lay") for n in ATTENDS)
    assert value("attendance", "", "attendances", "Patient or public") == str(lay_total)

    # Do things get done: agreed in each meeting's window, done before the next one began.
    for number, (_, start, end) in windows.items():
        agreed = await db.fetchall(
            "SELECT COUNT(*) FROM tasks WHERE guild_id = ? AND status != 'removed' AND created_at >= ?"
            " AND created_at <= ?",
            (guild, start, end),
        )
        assert value("tasks", number, "agreed") == str(agreed[0][0]) == str(len(task_numbers[number]))
        if number < 6:
            following = windows[number + 1][1]
            done = await db.fetchall(
                "SELECT COUNT(*) FROM tasks WHERE guild_id = ? AND created_at >= ? AND created_at <= ?"
                " AND status = 'done' AND closed_at <= ?",
                (guild, start, end, following),
            )
            assert value("tasks", number, "done by next meeting") == str(done[0][0])
    assert [value("tasks", n, "done by next meeting") for n in range(1, 6)] == ["1", "0", "1", "0", "2"]
    assert ("tasks", "6", "done by next meeting", "Everyone") not in figure  # no next meeting yet
    # Overdue as each meeting began: #3 (due 3 days after meeting #2, done after #3 began), then #5 and #6.
    assert [value("tasks", n, "overdue at start") for n in range(1, 7)] == ["0", "0", "1", "1", "2", "2"]
    assert not [r for r in rows if r["section"] == "tasks" and r["meeting"] == ""], "too few people for roles"

    # Are questions heard: asked in the window, answered before it ended, carried forward.
    for number, (_, start, end) in windows.items():
        asked = await db.fetchall(
            "SELECT kind, status, answered_at FROM questions WHERE guild_id = ? AND number IS NOT NULL"
            " AND status IN ('open', 'answered') AND created_at >= ? AND created_at <= ?",
            (guild, start, end),
        )
        on_the_day = sum(1 for r in asked if r[2] is not None and r[2] <= end)
        assert value("questions", number, "asked", "") == str(len(asked))
        assert value("questions", number, "please explain", "") == str(sum(1 for r in asked if r[0] == "explain"))
        assert value("questions", number, "answered on the day", "") == str(on_the_day)
        assert value("questions", number, "carried forward", "") == str(len(asked) - on_the_day)
    assert [value("questions", n, "asked", "") for n in range(1, 7)] == ["3", "1", "2", "1", "1", "1"]
    assert value("questions", 1, "carried, answered since", "") == "1"

    # Is the room equal: the check-in figures, and nothing from a group under five answers.
    pulses = await db.fetchall(
        "SELECT p.id, s.number FROM pulses p JOIN meeting_sessions s ON s.id = p.session_id WHERE p.guild_id = ?",
        (guild,),
    )
    answers_of = {}
    for pulse_id, number in pulses:
        got = await db.fetchall("SELECT felt_able, understood, role FROM pulse_answers WHERE pulse_id = ?", (pulse_id,))
        answers_of[int(number)] = [(int(r[0]), int(r[1]), r[2]) for r in got]
    assert sorted(answers_of) == [1, 2, 3, 5, 6]
    checkin = [r for r in rows if r["section"] == "check-in"]
    for r in checkin:
        if r["figure"].startswith("average"):
            assert int(r["out_of"]) >= 5, r
    shown_groups = {
        n: {r["group"] for r in checkin if r["meeting"] == str(n) and r["figure"].startswith("average: I felt")}
        for n in range(1, 7)
    }
    lay_line, others = "Patient or public", "Other roles, or role not shared"
    assert shown_groups == {
        1: {"Everyone", lay_line, others, "Everyone else"},
        2: set(),
        3: {"Everyone"},
        4: set(),
        5: {"Everyone", lay_line, others, "Everyone else"},
        6: {"Everyone"},
    }
    assert value("check-in", 2, "answers") == "4" and figure[("check-in", "2", "answers", "Everyone")]["out_of"] == "9"
    for number in (1, 3, 5, 6):
        answers = answers_of[number]
        felt = sum(a[0] for a in answers) / len(answers)
        assert value("check-in", number, "average: I felt able to say what I thought") == f"{felt:.2f}"
    for number in (1, 5):
        lay = [a for a in answers_of[number] if a[2] == "lay"]
        rest = [a for a in answers_of[number] if a[2] != "lay"]
        lay_mean, rest_mean = sum(a[0] for a in lay) / len(lay), sum(a[0] for a in rest) / len(rest)
        assert value("check-in", number, "average: I felt able to say what I thought", lay_line) == f"{lay_mean:.2f}"
        gap = value("check-in", number, "gap: I felt able to say what I thought", "lay minus everyone else")
        assert gap == f"{lay_mean - rest_mean:.2f}"
    assert not any("Clinician" in r["group"] or "GP" in r["group"] for r in checkin)

    # The page holds the same figures, hides the same groups, and has no script or outside link.
    page = _Tables()
    page.feed(html)
    assert not page.tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    groups = page.tables["table-checkin-groups"]
    assert [row[1] for row in groups if row[0] == "#1"] == ["Everyone", lay_line, others]
    assert [row[1] for row in groups if row[0] == "#3"] == ["Everyone"]
    assert "Only the number is shown" in next(row[1] for row in groups if row[0] == "#2")
    assert all(not row[1].startswith(("Clinician", "GP", "Researcher")) for row in groups)
    attendance = {row[0]: row for row in page.tables["table-attendance"]}
    head = page.tables["table-attendance"][0]
    assert attendance["#1"][head.index("Total")] == "11" and attendance["#1"][head.index("Patient or public")] == "6"
    newcomers = {row[0]: row for row in page.tables["table-newcomers"]}
    assert newcomers["#2"][3] == "1" and newcomers["#3"][4] == "4 of 10 (40%)"
    tasks = {row[0]: row for row in page.tables["table-tasks"]}
    assert tasks["#5"][2] == "2 of 2 (100%)" and "No next meeting yet" in tasks["#6"][2]
    summary = html.split('<div class="summary">')[1].split("</div>")[0]
    assert 4 <= summary.count("<p>") <= 5
    assert "came to each of the last 6 meetings" in summary
    assert "4 of 8 tasks were done by the next meeting." in summary
    assert re.search(r"They felt less free to speak than others: \d\.\d and \d\.\d out of 5\.", summary), summary

    # It names nobody: no member's name, display name, nickname or id, in either file.
    for member in [*people.values(), fac, community.admin]:
        for needle in (str(member.id), member.user.name, member.user.global_name):
            assert needle and needle not in html and needle not in table, needle

    # A shorter span: only the last three meetings.
    [short_csv] = [a for a in short.response.attachments if a.filename.endswith(".csv")]
    shorter = list(csv.DictReader(io.StringIO((await short_csv.read()).decode("utf-8"))))
    assert {r["meeting"] for r in shorter if r["meeting"]} == {"4", "5", "6"}

    # In a real browser (when Chromium is installed; tests/bot/report/test_report_browser.py requires it in CI).
    if chromium_path():
        path = tmp_path / html_file.filename
        path.write_text(html, encoding="utf-8")
        view = await asyncio.to_thread(open_page, path)
        assert view.console == [] and view.errors == [] and view.requests == [path.resolve().as_uri()]
        assert set(view.boxes) == {
            "chart-attendance",
            "chart-felt_able",
            "chart-understood",
            "chart-tasks",
            "chart-questions",
        }
        for box in view.boxes.values():
            inked, colours = chart_pixels(view.screenshot, box)
            assert inked > 2000 and colours > 3
