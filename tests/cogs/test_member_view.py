"""A member's view of copbot (issue 25): only their own commands in the ``/`` list, only their own
buttons on every post they can see, and the way to ask in front of them when a meeting starts.

SimCord applies ``default_member_permissions`` and command permission overrides as Discord does
(``simcord/backend/command_access.py``): a member sees a command if they have its default permission,
are an administrator, or an override allows them; invoking a hidden one raises ``SetupError``, as a real
member could not. ``Community`` shows the facilitator commands to its facilitator role, as the README
asks a server admin to do once.
"""

from __future__ import annotations

import pytest
from conftest import Community

from cogs._shared import BUTTON_FOR_FACILITATORS, FACILITATOR_ONLY

pytestmark = pytest.mark.timeout(180)

#: DESIGN.md, "The command contract": the top-level commands members have. (``/welcome``, ``/glossary``
#: and ``/aims`` come with another change.)
MEMBER_COMMANDS = {
    "ask",
    "explain",
    "help",
    "profile",
    "privacy",
    "mydata",
    "forget-me",
    "welcome",
    "task",
    "next-meeting",
    "calendar",
    "glossary",
    "aims",
}
FACILITATOR_GROUPS = {"settings", "members", "meeting", "icebreaker", "questions", "breakout", "pulse"}
REFUSALS = (BUTTON_FOR_FACILITATORS, FACILITATOR_ONLY)


def tops(paths) -> set[str]:
    return {path.split(" ")[0] for path in paths}


async def test_a_plain_member_sees_only_member_commands(simcord_env, community: Community):
    await community.configure()
    sam = community.add_member("sam")
    for channel in (community.meeting, community.questions):
        seen = sam.available_commands(channel)
        assert tops(seen) <= MEMBER_COMMANDS, tops(seen) - MEMBER_COMMANDS
        assert {"ask", "help", "next-meeting", "calendar", "task add"} <= set(seen)
        assert "meeting next" not in seen and "meeting calendar" not in seen  # no old names
    # The facilitator (role only, after the admin's step) and the admin (Manage Server) see both.
    for person in (community.facilitator, community.admin):
        assert tops(person.available_commands(community.meeting)) >= FACILITATOR_GROUPS | {"ask", "help"}
    # Every other command the bot registers is a facilitator command Discord hides by default.
    registered = {c.name for c in simcord_env.bot.tree.get_commands()}
    hidden = {c.name for c in simcord_env.bot.tree.get_commands() if c.default_permissions is not None}
    assert hidden == FACILITATOR_GROUPS and registered - hidden <= MEMBER_COMMANDS | {"Make a task"}


async def test_settings_names_the_admins_step_until_the_facilitator_role_can_see_its_commands(
    simcord_env, community: Community
):
    await community.configure()
    leads = community.guild.create_role("Co-leads")
    lead = community.guild.add_member(simcord_env.create_user("lee_lead"), roles=[leads])
    saved = await community.admin.slash(community.meeting, "settings update", facilitator_role=leads)
    text = saved.response.content
    assert text.startswith("Saved") and "Server Settings → Integrations → copbot" in text
    assert all(f"/{name}" in text for name in FACILITATOR_GROUPS), text
    assert len(text) <= 2000
    assert tops(lead.available_commands(community.meeting)) <= MEMBER_COMMANDS  # not yet
    # The admin takes the step for some commands: copbot names only the ones still to do.
    for command_id in community.facilitator_commands()[:3]:
        community.guild.set_command_permissions(command_id, {leads: True})
    shown = await community.admin.slash(community.meeting, "settings show")
    still = [name for name in FACILITATOR_GROUPS if f"/{name}" in shown.response.content.split("save:")[-1]]
    assert len(still) == len(FACILITATOR_GROUPS) - 3
    community.show_facilitator_commands(leads)
    shown = await community.admin.slash(community.meeting, "settings show")
    assert f"{leads.mention} can see copbot's facilitator commands." in shown.response.content
    assert tops(lead.available_commands(community.meeting)) >= FACILITATOR_GROUPS
    started = await lead.slash(community.meeting, "meeting start")
    assert "has started" in started.response.content


async def test_a_command_shown_to_members_by_mistake_still_refuses_them(simcord_env, community: Community):
    """Defence in depth: an admin who shows every command to @everyone does not make members
    facilitators; each facilitator command still refuses them with one sentence and changes nothing."""
    await community.configure()
    community.show_facilitator_commands(community.facilitator_role, community.guild.default_role)
    sam = community.add_member("sam")
    for path, options in (
        ("settings update", {"timezone": "Asia/Tokyo"}),
        ("meeting start", {}),
        ("icebreaker round", {}),
        ("questions list", {}),
        ("pulse start", {}),
        ("breakout close", {}),
        ("members list", {}),
    ):
        refused = await sam.slash(community.meeting, path, **options)
        assert refused.response.ephemeral and refused.response.content == FACILITATOR_ONLY, path
    assert await simcord_env.bot.meeting_sessions.current(community.guild.id) is None


async def test_meeting_start_puts_the_way_to_ask_in_front_of_members(simcord_env, community: Community):
    await community.configure()
    sam = community.add_member("sam")
    await sam.join_voice(community.voice)
    started = await community.facilitator.slash(community.meeting, "meeting start")
    assert started.response.ephemeral and "has started" in started.response.content
    assert "(1 now)" in started.response.content
    panel = community.facilitators.last_message
    assert "I'm noting who is in" in panel.content and "closes by itself" in panel.content
    [welcome] = [m for m in community.meeting.history() if m.author.id == simcord_env.bot.user.id]
    assert "has started" in welcome.content and "without your name" in welcome.content
    assert len(welcome.content.split()) <= 40
    assert [c.label for row in welcome.components for c in row.children] == ["Ask without your name"]
    form = await sam.click(welcome, label="Ask without your name")
    assert form.modal is not None and form.modal["custom_id"] == f"copbot:questions:form:{community.guild.id}"
    asked = await sam.submit_modal(form, {"question": "Is the leaflet online?"})
    reply = asked.response.content
    assert asked.response.ephemeral and "can see it now, and may answer it out loud" in reply
    assert "**Me too**" in reply and "next meeting" in reply
    assert community.questions.last_message.embeds[0].description == "Is the leaflet online?"


async def test_without_a_panel_the_check_in_offer_goes_privately_to_who_ended_the_meeting(
    simcord_env, community: Community
):
    await community.configure(facilitator_channel=None)
    sam = community.add_member("sam")
    await sam.join_voice(community.voice)
    started = await community.facilitator.slash(community.meeting, "meeting start")
    assert "`/questions list` gives you the question buttons" in started.response.content
    ended = await community.facilitator.slash(community.meeting, "meeting end")
    assert "has ended" in ended.response.content and not ended.response.components
    [offer] = [f for f in ended.followups if f.ephemeral]
    assert "1 person who came" in offer.content
    sent = await community.facilitator.click(offer, label="Send the check-in")
    assert sent.acknowledged
    assert any(row.children for m in sam.user.dm_channel.history() for row in m.components)


def _buttons(message) -> list:
    return [c for row in message.components for c in getattr(row, "children", []) if getattr(c, "custom_id", None)]


def _fresh(channel, message_id: int):
    return next((m for m in channel.history() if m.id == message_id), None)


def _addressed(message, people: dict[int, object], default):
    """Who a post's buttons are for: the member it calls by mention ("<@id>, your turn!"), else anyone."""
    for user_id, person in people.items():
        if message.content.startswith(f"<@{user_id}>"):
            return person
    return default


async def test_no_button_on_a_member_visible_post_refuses_a_member(simcord_env, community: Community):
    """A whole meeting's member-visible posts, every button pressed by the member it is for: no press is
    refused as a facilitator's control."""
    await community.configure()
    people = [community.add_member(f"p{i}") for i in range(3)]
    for person in people:
        await person.slash(community.meeting, "profile", role="lay")
        await person.join_voice(community.voice)
    await community.facilitator.slash(community.meeting, "meeting start")
    await community.facilitator.slash(community.meeting, "icebreaker round")
    form = await people[0].slash(community.meeting, "ask")
    await people[0].submit_modal(form, {"question": "What is a PROM?"})
    await people[1].slash(community.meeting, "explain", term="commissioner")
    await community.facilitator.slash(community.meeting, "meeting end")

    by_id = {p.id: p for p in people}
    pressed = 0
    for channel in (community.meeting, community.questions):
        for message in list(channel.history()):
            for button in _buttons(message):
                current = _fresh(channel, message.id)
                if current is None:
                    continue
                live = next((b for b in _buttons(current) if b.custom_id == button.custom_id), None)
                if live is None or live.disabled:
                    continue
                who = _addressed(current, by_id, people[2])
                result = await who.click(current, custom_id=live.custom_id)
                said = [r.content for r in (result.response, *result.followups) if r is not None]
                assert not any(text in REFUSALS for text in said), (current.content, live.label, said)
                pressed += 1
    assert pressed >= 4  # Ask without your name, Next and Pass, Me too on each question
