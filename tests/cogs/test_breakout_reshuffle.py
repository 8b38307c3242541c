"""Reshuffle shows another plan of the same quality (the planner is told which plan was shown)."""

from __future__ import annotations

import itertools


def _groups(content: str) -> set[frozenset[str]]:
    """The plan's groups as sets of the lines under each **Group N** heading."""
    groups: list[set[str]] = []
    for line in content.splitlines():
        if line.startswith("**Group "):
            groups.append(set())
        elif groups and line.startswith(("★ ", "• ")):
            groups[-1].add(line)
        elif groups and not line.strip():
            continue
    return {frozenset(g) for g in groups}


async def test_reshuffle_gives_different_groups_with_the_same_mix_score(simcord_env, community):
    await community.configure()
    roles = itertools.cycle(["lay", "gp", "clinician", "commissioner", "researcher"])
    people = [community.add_member(f"fac{i}", facilitator=True, global_name=f"Fac {i}") for i in range(3)]
    for i in range(9):
        member = community.add_member(f"member{i}", global_name=f"Member {i}")
        await community.admin.slash(community.meeting, "members set", member=member, role=next(roles))
        people.append(member)
    for member in people:
        await member.join_voice(community.voice)

    plan = await community.facilitator.slash(community.meeting, "breakout plan", size=4)
    before = plan.response.content
    clicked = await community.facilitator.click(plan.response, label="Reshuffle")
    after = (clicked.followups[-1] if clicked.followups else clicked.response).content
    assert len(_groups(before)) == len(_groups(after)) == 3
    assert _groups(after) != _groups(before)
    score = [line for line in before.splitlines() if line.startswith("Mix score")]
    assert score and score == [line for line in after.splitlines() if line.startswith("Mix score")]
    assert "No other plan" not in after
