"""``/icebreaker ask|add|list|remove`` end to end under SimCord (facilitators' commands: issue 25)."""

from __future__ import annotations

import re

from bot.icebreakers.bank import shipped_bank
from cogs._shared import FACILITATOR_ONLY
from cogs.icebreakers._display import shown


async def _ask(member, community, **options) -> int:
    """Ask for an icebreaker; returns its number, found from its text (members see no number: they never
    need to type it). The text is shown literally (escaped), so it is compared as shown."""
    result = await member.slash(community.meeting, "icebreaker ask", **options)
    assert result.response is not None and not result.response.ephemeral, result.response
    head, _, quoted = result.response.content.partition("\n> ")
    assert head.startswith("**Icebreaker: ") and "#" not in head, result.response.content
    listing = await community.env.bot.rounds.repo.listing(community.guild.id)
    (number,) = [item.prompt.number for item in listing if shown(item.prompt.text) == quoted]
    return number


async def _listing(member, channel) -> str:
    """Every page of /icebreaker list, clicked through with the Next button."""
    result = await member.slash(channel, "icebreaker list")
    assert result.response.ephemeral
    message = result.response
    text = message.embeds[0].description
    title = message.embeds[0].title
    pages = int(re.search(r"of (\d+)\)", title).group(1))
    for _ in range(pages - 1):
        clicked = await member.click(message, label="Next")
        assert clicked.response is not None
        message = clicked.response
        text += "\n\n" + message.embeds[0].description
    return text


async def test_150_asks_use_the_whole_bank_before_repeating_even_across_a_restart(
    simcord_env, community, restart
) -> None:
    n = len(shipped_bank().prompts)
    member = community.admin
    asked: list[int] = []
    for i in range(150):
        if i == 70:
            await restart()
        asked.append(await _ask(member, community))
    assert sorted(asked[:n]) == list(range(1, n + 1)), "the first cycle uses every prompt exactly once"
    second = asked[n:]
    assert len(set(second)) == len(second), "the second cycle does not repeat either"
    assert second[0] != asked[n - 1], "no prompt twice in a row across the cycle boundary"


async def test_category_filter_is_respected_and_cycles_within_the_category(simcord_env, community, restart) -> None:
    bank = shipped_bank()
    reflective = {p.number for p in bank.prompts if p.category == "reflective"}
    k = len(reflective)
    member = community.admin
    asked: list[int] = []
    for i in range(k + 10):
        if i == k // 2:
            await restart()
        # by key or by the label shown in the autocomplete list
        asked.append(await _ask(member, community, category="reflective" if i % 2 else "Thinking back"))
    assert set(asked) <= reflective
    assert sorted(asked[:k]) == sorted(reflective)
    assert len(set(asked[k:])) == 10
    # Asking for "any" afterwards does not repeat prompts already used there.
    anything = [await _ask(member, community) for _ in range(len(bank.prompts) - k)]
    assert not set(anything) & reflective
    assert len(set(anything)) == len(anything)


async def test_unknown_category_and_autocomplete(simcord_env, community) -> None:
    member = community.admin
    result = await member.slash(community.meeting, "icebreaker ask", category="gossip")
    assert result.response.ephemeral
    assert "no icebreaker category called “gossip”" in result.response.content
    assert "Light and easy" in result.response.content
    choices = await member.autocomplete(community.meeting, "icebreaker ask", "category", "work")
    assert [c["value"] for c in choices] == ["about-our-work"]
    everything = await member.autocomplete(community.meeting, "icebreaker ask", "category", "")
    assert {c["value"] for c in everything} == set(shipped_bank().categories)


async def test_members_do_not_see_icebreaker_and_are_refused_if_shown_it(simcord_env, community) -> None:
    await community.configure()
    member = community.add_member("lee_lay")
    assert not any(c.startswith("icebreaker") for c in member.available_commands(community.meeting))
    # A server admin shows the facilitator commands to everyone by mistake: the run-time check holds.
    community.show_facilitator_commands(community.facilitator_role, community.guild.default_role)
    result = await member.slash(community.meeting, "icebreaker ask")
    assert result.response.ephemeral and result.response.content == FACILITATOR_ONLY
    result = await member.slash(
        community.meeting, "icebreaker add", text="What is your favourite tree?", category="light"
    )
    assert result.response.ephemeral and result.response.content == FACILITATOR_ONLY
    result = await member.slash(community.meeting, "icebreaker remove", id=1)
    assert result.response.ephemeral and result.response.content == FACILITATOR_ONLY
    listing = await _listing(community.facilitator, community.meeting)
    assert "#1001" not in listing and "hidden here" not in listing


async def test_bad_input_gets_one_clear_sentence_and_changes_nothing(simcord_env, community) -> None:
    await community.configure()
    fac = community.facilitator
    cases = [
        ({"text": "   ", "category": "light"}, "The prompt is empty"),
        ({"text": "x" * 301, "category": "light"}, "the limit is 300"),
        ({"text": "What is your favourite tree?", "category": "gossip"}, "no icebreaker category"),
    ]
    for options, sentence in cases:
        result = await fac.slash(community.meeting, "icebreaker add", **options)
        assert result.response.ephemeral and sentence in result.response.content, result.response
    for bad_id in (0, 999, 1001, 5000):
        result = await fac.slash(community.meeting, "icebreaker remove", id=bad_id)
        assert result.response.ephemeral
        assert f"There is no prompt #{bad_id} here." in result.response.content
    listing = await _listing(fac, community.meeting)
    assert "#1001" not in listing and "hidden here" not in listing
    assert listing.count("**#") == len(shipped_bank().prompts)


async def test_custom_prompts_join_the_cycle_and_remove_hides_or_deletes(simcord_env, community) -> None:
    await community.configure()
    fac = community.facilitator
    member = community.admin
    creative = [p.number for p in shipped_bank().prompts if p.category == "creative"]
    first = [await _ask(member, community, category="creative") for _ in range(5)]

    added = await fac.slash(
        community.meeting,
        "icebreaker add",
        text="If you could name a star, what would you call it? @everyone",
        category="creative",
    )
    assert "#1001" in added.response.content and added.response.ephemeral
    hidden = next(n for n in creative if n not in first)
    removed = await fac.slash(community.meeting, "icebreaker remove", id=hidden)
    assert "hidden in this server" in removed.response.content
    again = await fac.slash(community.meeting, "icebreaker remove", id=hidden)
    assert "already hidden" in again.response.content

    rest = [await _ask(member, community, category="creative") for _ in range(len(creative) - 5)]
    # The new prompt came up in the same cycle; the hidden one never did; nothing repeated.
    assert 1001 in rest and hidden not in rest
    assert sorted(first + rest) == sorted([n for n in creative if n != hidden] + [1001])
    posted = [m for m in community.meeting.history() if "name a star" in m.content]
    assert posted and not posted[0].mention_everyone

    listing = await _listing(member, community.meeting)
    assert f"**#{hidden}**" in listing and "hidden here" in listing
    assert "**#1001** · Imagine and create · *added here*" in listing

    gone = await fac.slash(community.meeting, "icebreaker remove", id=1001)
    assert "is now removed" in gone.response.content
    assert "#1001" not in await _listing(member, community.meeting)
    second = await fac.slash(
        community.meeting, "icebreaker add", text="Which fruit would make the best hat?", category="light"
    )
    assert "#1002" in second.response.content, "numbers are never reused"


async def test_list_pages_back_and_forth(simcord_env, community) -> None:
    member = community.admin
    result = await member.slash(community.meeting, "icebreaker list")
    first = result.response
    assert first.embeds[0].title.startswith("Icebreaker questions (page 1 of ")
    assert "**#1** · Light and easy" in first.embeds[0].description
    nxt = await member.click(first, label="Next")
    assert "(page 2 of" in nxt.response.embeds[0].title
    assert "**#11**" in nxt.response.embeds[0].description
    back = await member.click(nxt.response, label="Previous")
    assert "(page 1 of" in back.response.embeds[0].title


async def test_help_explains_icebreakers(simcord_env, community) -> None:
    member = community.add_member("new_person")
    result = await member.slash(community.meeting, "help")
    field = next(f for f in result.response.embeds[0].fields if f.name == "Icebreakers and speaking rounds")
    assert "Pass" in field.value and "/icebreaker" not in field.value  # members learn what is theirs
    guide = await community.facilitator.slash(community.meeting, "help", topic="facilitators")
    field = next(f for f in guide.response.embeds[0].fields if f.name == "Icebreakers and speaking rounds")
    assert "/icebreaker round" in field.value and "End round" in field.value
    assert {"icebreaker ask", "icebreaker round", "icebreaker list"} <= set(
        community.facilitator.available_commands(community.meeting)
    )
