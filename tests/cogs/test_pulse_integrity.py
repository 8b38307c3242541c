"""Check-in results that never change once shown, and never single out one person (issue 27).

* The review's race: an answer whose role was still being read when the check-in's time ran out was
  told "something went wrong … nothing was changed" and then written into the closed check-in at the
  next clean stop, so the results went from "6 of 7" to "7 of 7". Made deterministic here: the real
  closing timer runs exactly while the answer waits for the role read.
* Five GPs who all gave the same score: the statement's numbers are held back, on every line.
"""

from __future__ import annotations

import pytest
from conftest import Community

from bot.pulse.results import STATEMENTS
from cogs.pulse._cog import close_job
from cogs.pulse._render import HELD_BACK
from tests.cogs.test_pulse import answer, crowd, results_text

pytestmark = [pytest.mark.timeout(180), pytest.mark.simcord(settle_timeout=45)]


def numbers(text: str) -> tuple[list[str], list[str]]:
    """The results' lines without the comments, and the comments sorted (they are shown in random order)."""
    lines = text.splitlines()
    cut = next(i for i, line in enumerate(lines) if line.startswith("**Comments**"))
    return lines[:cut], sorted(lines[cut + 1 :])


async def test_an_answer_racing_the_close_is_not_counted_and_results_never_change(
    simcord_env, community: Community, restart, monkeypatch: pytest.MonkeyPatch
):
    people = await crowd(community, ["lay", "gp", "lay", "gp", "clinician", "lay", "gp"])
    await community.configure()
    await community.facilitator.slash(community.meeting, "pulse start")
    bot = simcord_env.bot
    for index, member in enumerate(people[:6]):
        done = await answer(member, (str(1 + index % 5), str(2 + index % 3), "4"), comment=f"Comment {index}")
        assert "Thank you" in done.response.content
    [pulse] = await bot.pulses.open_pulses()
    read_roles = bot.pulses.members.roles_for

    async def time_runs_out_meanwhile(guild_id: int):
        await close_job(bot, pulse.id)  # the check-in's closing timer, exactly now
        return await read_roles(guild_id)

    monkeypatch.setattr(bot.pulses.members, "roles_for", time_runs_out_meanwhile)
    late = await answer(people[6], ("5", "5", "5"), comment="The late comment", share="yes")
    assert late.response.ephemeral
    assert "closed just as your answer arrived, so your answer was not counted" in late.response.content
    assert "something went wrong" not in late.response.content.lower()
    assert "6 of 7 people answered" in community.facilitators.last_message.content

    first = numbers(results_text(await community.facilitator.slash(community.meeting, "pulse results")))
    assert "6 of 7 people answered" in first[0][0] and "The late comment" not in "\n".join(first[1])
    await bot.pulses.flush_all()  # a clean stop writes what waits: nothing may land in the closed check-in
    await restart()
    again = numbers(results_text(await community.facilitator.slash(community.meeting, "pulse results")))
    assert again == first


async def test_a_group_that_all_gave_the_same_score_is_held_back(simcord_env, community: Community):
    people = await crowd(community, ["gp"] * 5 + ["lay"] * 5)
    await community.configure()
    await community.facilitator.slash(community.meeting, "pulse start")
    for index, member in enumerate(people):
        gp = ("1", str(2 + index % 3), str(3 + index % 2))  # every GP gives "1" to the first statement
        scores = gp if index < 5 else (str(2 + index % 4), str(1 + index % 5), str(2 + index % 3))
        await answer(member, scores, share="yes")
    text = results_text(await community.facilitator.slash(community.meeting, "pulse results"))
    assert "10 of 10 people answered" in text
    felt, understood = STATEMENTS[0][1], STATEMENTS[1][1]
    held = text.split(f"**{felt}**", 1)[1].split(f"**{understood}**", 1)[0]
    assert HELD_BACK in held and "average" not in held, held  # five GPs who all gave "1"
    shown = text.split(f"**{understood}**", 1)[1]
    assert "• GP (family doctor) (5): average" in shown, shown
