"""``/help``: a short members' guide by default, the facilitators' guide behind ``topic`` (issue 25).

Every section is shown whole (split only between lines, never cut with "…"), each message within
Discord's limits; the longest allowed community purpose is covered in ``test_discord_limits_config.py``.
"""

from __future__ import annotations

import re

from cogs.help import section_fields

#: A slash command with an option written out (``/profile recaps:False``): members never see these.
OPTION_SYNTAX = re.compile(r"`/[^`]*\b\w+:|\b\w+:(True|False)\b")


def guide_text(result) -> str:
    parts = []
    for message in [result.response, *result.followups]:
        for embed in message.embeds:
            parts += [embed.title or "", embed.description or ""]
            parts += [f"{f.name}\n{f.value}" for f in embed.fields]
            parts.append(embed.footer.text or "")
    return "\n".join(p for p in parts if p)


async def test_the_members_guide_is_short_plain_and_has_every_section_whole(simcord_env, community):
    await community.configure()
    sam = community.add_member("sam")
    result = await sam.slash(community.meeting, "help")
    assert result.response.ephemeral
    text = guide_text(result)
    words = [w for w in text.split() if any(c.isalnum() for c in w)]  # not the "•" bullets
    assert len(words) <= 300, len(words)
    assert not OPTION_SYNTAX.search(text), OPTION_SYNTAX.search(text)
    assert "…" not in text
    sections = [s for s in simcord_env.bot.get_cog("HelpCog").sections() if s.lines]
    for section in sections:
        assert section.title in text and all(line in text for line in section.lines), section.title
    # What a new member most needs is there: how to ask without their name, tasks, their data.
    for words in ("Ask without your name", "/ask", "Me too", "/task list", "/next-meeting", "/mydata", "/forget-me"):
        assert words in text, words
    # Facilitators' work is not: no facilitator command, no hint that only facilitators need.
    assert not re.search(r"/(settings|meeting|questions|icebreaker|breakout|pulse|members)\b", text)
    assert "facilitators topic" not in text


async def test_the_facilitators_guide_is_behind_the_topic_and_has_every_section_whole(simcord_env, community):
    await community.configure()
    member_guide = await community.facilitator.slash(community.meeting, "help")
    assert "choose the facilitators topic in /help" in guide_text(member_guide)  # only they are told
    result = await community.facilitator.slash(community.meeting, "help", topic="facilitators")
    text = guide_text(result)
    assert text.startswith("Running meetings with copbot")
    for section in [s for s in simcord_env.bot.get_cog("HelpCog").sections() if s.facilitator_lines]:
        assert section.title in text and all(line in text for line in section.facilitator_lines), section.title
    for words in ("/meeting start", "/questions list", "Server Settings → Integrations → copbot", "End round"):
        assert words in text, words
    assert all(len(e) <= 6000 for m in [result.response, *result.followups] for e in m.embeds)


def test_a_section_longer_than_a_field_goes_on_in_another_field_between_whole_lines():
    lines = tuple(f"Line {i}: " + "word " * 40 + "end." for i in range(10))
    fields = section_fields("A long section", lines)
    assert [name for name, _ in fields][:2] == ["A long section", "A long section (continued)"]
    assert all(len(value) <= 1024 for _, value in fields)
    assert "\n".join(value for _, value in fields) == "\n".join(f"• {line}" for line in lines)
    # One line longer than a whole field is split between its sentences, never inside one.
    long_line = " ".join(f"Sentence {i} says something useful." for i in range(60))
    [(_, first), (_, second), *_rest] = section_fields("One long line", (long_line,))
    assert first.endswith("useful.") and second.startswith("Sentence ")
