"""Buttons members receive say nothing about other servers, old buttons keep working, and icebreakers
are shown as typed (issue 27's smaller holes).

Row ids count across every server, so a button carrying one tells members how busy other servers are
(the review's check-in "#1" carried id 4 after three check-ins elsewhere). Here another server is busy
first (20 rows in each table that gives buttons), then this server runs a check-in, a speaking round,
breakout rooms, a task nudge and a question; no custom_id anyone received may hold one of this server's
row ids (which are all above 20, while its numbers start at 1).
"""

from __future__ import annotations

import re
from datetime import timedelta

import discord
import pytest
from conftest import Community

from bot.clock import utcnow
from bot.storage.breakouts import BreakoutRepository, PlannedMember
from bot.storage.pulses import PulseRepository
from bot.storage.questions import QuestionRepository
from bot.storage.tasks import TaskRepository
from tests.cogs.test_pulse import answer, crowd, invitation

pytestmark = [pytest.mark.timeout(240), pytest.mark.simcord(settle_timeout=45)]

ELSEWHERE = 424242
BUSY = 20
#: The tables whose rows get buttons, and their id column.
ROW_IDS = {
    "pulses": "id",
    "breakout_sessions": "id",
    "tasks": "id",
    "icebreaker_rounds": "round_id",
    "questions": "id",
}


async def busy_elsewhere(bot) -> None:
    """Another server's activity: rows in each table whose rows get buttons."""
    now = utcnow()
    pulses, sessions, tasks = PulseRepository(bot.db), BreakoutRepository(bot.db), TaskRepository(bot.db)
    questions, rounds = QuestionRepository(bot.db), bot.get_cog("IcebreakersCog").repo
    for i in range(BUSY):
        await pulses.open(ELSEWHERE, f"Elsewhere {i}", None, 1, [7], now, now + timedelta(hours=48))
        await sessions.create_plan(
            ELSEWHERE,
            size=2,
            seed=i,
            groups=[[PlannedMember(7, "lay", False)]],
            summary="",
            source_channel_id=None,
            created_by=1,
        )
        await tasks.add(ELSEWHERE, f"Elsewhere {i}", 7, 1, now + timedelta(days=9), [])
        await questions.create(ELSEWHERE, "question", f"Elsewhere {i}?", pending=False)
        await rounds.create_round(ELSEWHERE, 10_000 + i, "Elsewhere?", None, None)


def custom_ids(components) -> list[str]:
    out = []
    for row in components or []:
        for child in getattr(row, "children", [row]):
            if getattr(child, "custom_id", None):
                out.append(child.custom_id)
    return out


def received(simcord_env) -> list[str]:
    """Every custom_id on every message in every channel and DM, as Discord holds them."""
    from simcord.results import to_discord_message

    out = []
    for messages in simcord_env.backend.messages.values():
        for stored in messages.values():
            out += custom_ids(to_discord_message(simcord_env, stored).components)
    return out


async def assert_no_row_id(simcord_env, community: Community, seen: list[str], prefixes: set[str]) -> None:
    """None of ``seen`` (and of every button Discord holds) carries one of this server's row ids."""
    seen = seen + received(simcord_env)
    ours = set()
    for table, column in ROW_IDS.items():
        rows = await simcord_env.bot.db.fetchall(
            f"SELECT {column} FROM {table} WHERE guild_id = ?", (community.guild.id,)
        )
        ours |= {int(r[0]) for r in rows}
    assert ours and min(ours) > BUSY, "this server's rows come after the other server's"
    assert prefixes <= {cid.split(":")[1] for cid in seen if cid.startswith("copbot:")}, seen
    leaks = [cid for cid in seen if any(int(n) in ours for n in re.findall(r"\d+", cid))]
    assert leaks == [], leaks


async def test_check_in_and_question_buttons_carry_no_row_id(simcord_env, community: Community):
    people = await crowd(community, ["lay", "gp", "clinician"])
    closed = community.add_member("dora_closed")
    await closed.join_voice(community.voice)
    await community.configure()
    await busy_elsewhere(simcord_env.bot)
    simcord_env.inject_error(
        "POST", f"/channels/{closed.user.dm_channel.id}/messages", status=403, code=50007, message="closed", times=None
    )
    # The check-in's DMs, and the post for the member whose DMs are closed; the form.
    await community.facilitator.slash(community.meeting, "pulse start")
    shown = await people[0].user.click(invitation(people[0]), label="Answer anonymously")
    seen = [shown.modal["custom_id"]]
    await people[2].submit_modal(await people[2].slash(community.meeting, "ask"), {"question": "Why?"})
    await assert_no_row_id(simcord_env, community, seen, {"pulse", "questions"})


async def test_breakout_buttons_carry_no_row_id(simcord_env, community: Community):
    await crowd(community, ["lay", "gp", "clinician", "researcher"])
    await community.configure()
    await busy_elsewhere(simcord_env.bot)
    plan = await community.facilitator.slash(community.meeting, "breakout plan", size=2)
    # "Open rooms" asks for a timer in a form; timed rooms bring "Ask for help" and "Add 5 minutes".
    form = await community.facilitator.click(plan.response, label="Open rooms")
    assert form.modal is not None, form.response
    opened = await community.facilitator.submit_modal(form, {"minutes": ["10"]})
    seen = [form.modal["custom_id"]]
    seen += [cid for m in [plan.response, *plan.followups, opened.response] if m for cid in custom_ids(m.components)]
    held = received(simcord_env)  # the rooms' notes and the facilitators' timer note
    assert any(":help:" in cid for cid in held) and any(":extend:" in cid for cid in held + seen), held
    await assert_no_row_id(simcord_env, community, seen, {"breakouts"})


async def test_task_and_round_buttons_carry_no_row_id(simcord_env, community: Community):
    people = await crowd(community, ["lay", "gp", "clinician"])
    await community.configure()
    bot = simcord_env.bot
    await busy_elsewhere(bot)
    # A task given by DM, then "Need more time" and "Choose a date" as the member sees them.
    await community.facilitator.slash(
        community.meeting, "task add", description="Book the room", assignee=people[1], due="in 3 days"
    )
    # The message telling them about the task carries "Done" and "Need more time".
    nudge = next(m for m in reversed(people[1].user.dm_channel.history()) if m.components)
    more = await people[1].user.click(nudge, label="Need more time")
    seen = custom_ids(more.response.components)
    pick = await people[1].user.click(more.response, label="Choose a date")
    seen.append(pick.modal["custom_id"])
    # A speaking round with everyone in voice: "Next", "Pass" and "End round".
    await community.facilitator.slash(community.meeting, "icebreaker round")
    await assert_no_row_id(simcord_env, community, seen, {"tasks", "icebreakers"})


async def _bot_posts(simcord_env, channel_id: int, custom_id: str, label: str) -> None:
    """A button as an older copbot made it (carrying a row id), posted by the bot."""
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label=label, custom_id=custom_id))
    await simcord_env.bot.get_channel(channel_id).send("An older copbot's button", view=view)
    await simcord_env.settle()


async def test_buttons_made_before_keep_working(simcord_env, community: Community):
    people = await crowd(community, ["lay", "gp", "lay", "gp", "lay"])
    await community.configure()
    bot = simcord_env.bot
    await community.facilitator.slash(community.meeting, "pulse start")
    [pulse] = await bot.pulses.open_pulses()
    assert f"copbot:pulse:answer:{community.guild.id}:1" in custom_ids(invitation(people[0]).components)
    # The old check-in button (row id) opens the same form, whose answer is counted.
    await _bot_posts(simcord_env, community.meeting.id, f"copbot:pulse:answer:{pulse.id}", "Answer anonymously")
    done = await answer(people[0], ("2", "3", "4"), message=community.meeting.last_message)
    assert "Thank you" in done.response.content
    assert (await bot.pulses.results(community.guild.id)).answered == 1
    # An old task button (row id) still marks the task done.
    await community.facilitator.slash(
        community.meeting, "task add", description="Send the notes", assignee=people[1], due="in 3 days"
    )
    [task] = await bot.get_cog("TasksCog").tasks.open_tasks(community.guild.id)
    await _bot_posts(simcord_env, community.meeting.id, f"copbot:tasks:done:{task.id}", "Done")
    done = await people[1].click(community.meeting.last_message, label="Done")
    assert "“Send the notes” is marked as done" in done.response.content
    # An old "Join the round" (row id) still joins the round.
    await community.facilitator.slash(community.meeting, "icebreaker round")
    [round_] = await bot.get_cog("IcebreakersCog").repo.open_rounds(community.guild.id)
    outsider = community.add_member("late_larry")
    await _bot_posts(simcord_env, community.meeting.id, f"copbot:icebreakers:join:{round_.state.round_id}", "Join")
    joined = await outsider.click(community.meeting.last_message, label="Join")
    assert joined.response is not None and "Joining has closed" in joined.response.content  # the round's own rule


async def test_a_masked_link_in_a_custom_icebreaker_is_shown_as_text(simcord_env, community: Community):
    await community.configure()
    link = "Tell us your favourite [free vouchers here](https://evil.example/claim) @everyone"
    added = await community.facilitator.slash(community.meeting, "icebreaker add", text=link, category="light")
    assert "[free vouchers here](" not in added.response.content
    # Every built-in light question has been asked already this cycle, so the next one is the custom one.
    cog = simcord_env.bot.get_cog("IcebreakersCog")
    for prompt in cog.bank.prompts:
        if prompt.category == "light":
            await simcord_env.bot.db.execute(
                "INSERT INTO icebreaker_used_prompts (guild_id, scope, prompt_key, used_at) VALUES (?, 'light', ?, ?)",
                (community.guild.id, prompt.key, utcnow().isoformat()),
            )
    await community.facilitator.slash(community.meeting, "icebreaker ask", category="light")
    shown = community.meeting.last_message.content
    assert "vouchers" in shown, shown
    assert "[free vouchers here](https://" not in shown and r"\[free vouchers here\]\(https" in shown
    assert "@everyone" not in shown  # shown, but broken so it can never ping
    listed = await community.facilitator.slash(community.meeting, "icebreaker list")
    assert "[free vouchers here](" not in listed.response.embeds[0].description
