"""The largest configuration values copbot accepts still make posts that Discord accepts.

``bot/config.py`` derives bounds from Discord's limits; this runs the real bot at those bounds
(longest community name and purpose, longest questions and icebreakers) and checks each post goes
through. On main, ``questions.max_length = 4000`` told the asker "I'm not allowed to write" and a
long purpose dropped the welcome DM silently.
"""

from __future__ import annotations

import pytest_asyncio

from bot import create_bot
from bot.community_text import shown as as_written
from bot.config import COMMUNITY_NAME_MAX, COMMUNITY_PURPOSE_MAX, ICEBREAKERS_MAX_LENGTH, QUESTIONS_MAX_LENGTH

NAME = "N*" * (COMMUNITY_NAME_MAX // 2)
PURPOSE = ("We *share* what we know_ " * 100)[:COMMUNITY_PURPOSE_MAX].strip()


@pytest_asyncio.fixture
async def simcord_bot(_started_bots, monkeypatch):
    monkeypatch.setenv("COPBOT__COMMUNITY__NAME", f'"{NAME}"')
    monkeypatch.setenv("COPBOT__COMMUNITY__PURPOSE", f'"{PURPOSE}"')
    monkeypatch.setenv("COPBOT__QUESTIONS__MAX_LENGTH", str(QUESTIONS_MAX_LENGTH))
    monkeypatch.setenv("COPBOT__ICEBREAKERS__MAX_LENGTH", str(ICEBREAKERS_MAX_LENGTH))
    bot = create_bot()
    _started_bots.append(bot)
    return bot


async def test_help_and_the_welcome_dm_fit_with_the_longest_name_and_purpose(simcord_env, community):
    assert simcord_env.bot.config.community.name == NAME
    await community.configure()
    help_cog = simcord_env.bot.get_cog("HelpCog")
    shown = await community.add_member("newcomer").slash(community.meeting, "help")
    embed = shown.response.embeds[0]
    assert embed.title.endswith(NAME) and embed.description == as_written(PURPOSE)  # the aims, shown as written
    guides = {
        "members": (shown, [s for s in help_cog.sections() if s.lines], "lines"),
        "facilitators": (
            await community.facilitator.slash(community.meeting, "help", topic="facilitators"),
            [s for s in help_cog.sections() if s.facilitator_lines],
            "facilitator_lines",
        ),
    }
    for name, (result, sections, kind) in guides.items():
        # The guide goes on in further private messages rather than being cut: every section is there, whole.
        messages = [result.response, *result.followups]
        pages = [e for m in messages for e in m.embeds]
        assert all(len(m.embeds) == 1 and len(m.embeds[0]) <= 6000 for m in messages), name
        assert all(len(f.value) <= 1024 and not f.value.endswith("…") for page in pages for f in page.fields), name
        titles = [field.name for page in pages for field in page.fields if not field.name.endswith("(continued)")]
        assert titles == [s.title for s in sections], name
        text = "\n".join(f.value for page in pages for f in page.fields)
        for section in sections:
            for line in getattr(section, kind):
                assert f"• {line}" in text, (name, line)
    newcomer = community.add_member("second_newcomer")
    await simcord_env.settle()
    (welcome,) = newcomer.user.dm_channel.history()
    # The welcome's first step shows the heart of the aims, whole sentences, and points to the rest.
    assert welcome.content.startswith("Welcome to **") and len(welcome.content) <= 2000
    assert as_written(PURPOSE)[:100] in welcome.content and "There is more in /aims." in welcome.content


async def test_the_longest_question_all_markdown_posts(simcord_env, community):
    await community.configure(moderation=False)
    asker = community.add_member("asker")
    form = await asker.slash(community.meeting, "ask")
    text = "*" * QUESTIONS_MAX_LENGTH  # every character doubles when escaped
    sent = await asker.submit_modal(form, {"question": text})
    assert "not allowed" not in sent.response.content, sent.response.content
    (post,) = [m for m in community.questions.history() if m.embeds]
    assert post.embeds[0].description.count("*") == QUESTIONS_MAX_LENGTH


async def test_a_page_of_the_longest_icebreakers_fits(simcord_env, community):
    await community.configure()
    for i in range(10):
        text = f"Prompt {i} " + "x" * (ICEBREAKERS_MAX_LENGTH - 12) + "?"
        added = await community.facilitator.slash(
            community.meeting, "icebreaker add", text=text[:ICEBREAKERS_MAX_LENGTH], category="light"
        )
        assert added.response is not None and "Added icebreaker" in added.response.content, added.response.content
    listed = await community.facilitator.slash(community.meeting, "icebreaker list")
    page = listed.response.embeds[0]
    assert len(page.description) <= 4096
