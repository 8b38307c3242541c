"""End to end: settings, profiles and member lists, driven through real slash commands under SimCord."""

from __future__ import annotations

from cogs._shared import FACILITATOR_ONLY

FOUNDATION_COMMANDS = {"settings show", "settings update", "profile", "members set", "members list", "help"}
MEMBERS_OWN = {"profile", "help"}


async def test_foundation_commands_are_synced_and_visible_to_their_audience(simcord_env, community):
    member = community.add_member("sam")
    visible = set(member.available_commands(community.meeting))
    assert visible >= MEMBERS_OWN and not visible & (FOUNDATION_COMMANDS - MEMBERS_OWN)
    assert set(community.facilitator.available_commands(community.meeting)) >= FOUNDATION_COMMANDS


async def test_settings_update_refused_for_ordinary_member_and_nothing_changes(simcord_env, community):
    member = community.add_member("sam")
    # Members do not see /settings; shown to everyone by mistake, the run-time check still refuses.
    community.show_facilitator_commands(community.facilitator_role, community.guild.default_role)
    result = await member.slash(community.meeting, "settings update", timezone="America/New_York")
    assert result.ephemeral
    assert result.response.content == FACILITATOR_ONLY
    assert (await member.slash(community.meeting, "settings show")).response.content == FACILITATOR_ONLY
    shown = await community.admin.slash(community.meeting, "settings show")
    assert "Timezone: Europe/London (the default)" in shown.response.content


async def test_manage_server_member_saves_and_show_reflects_it(simcord_env, community):
    result = await community.configure()
    assert result.ephemeral
    shown = await community.admin.slash(community.meeting, "settings show")
    text = shown.response.content
    assert shown.ephemeral
    assert f"Meeting channel: <#{community.meeting.id}>" in text
    assert f"Questions channel: <#{community.questions.id}>" in text
    assert f"Facilitator channel: <#{community.facilitators.id}>" in text
    assert f"Main voice channel: <#{community.voice.id}>" in text
    assert f"Facilitator role: <@&{community.facilitator_role.id}>" in text
    assert "Timezone: Europe/London" in text


async def test_facilitator_role_holder_may_update_once_role_is_set(simcord_env, community):
    await community.configure()
    result = await community.facilitator.slash(community.meeting, "settings update", timezone="America/New_York")
    assert result.response.content.startswith("Saved")
    assert "Timezone: America/New_York" in result.response.content


async def test_invalid_timezone_is_refused_and_nothing_is_saved(simcord_env, community):
    result = await community.admin.slash(
        community.meeting, "settings update", timezone="Mars/Olympus_Mons", meeting_channel=community.meeting
    )
    assert result.ephemeral
    assert "I don't know the timezone" in result.response.content
    assert "Nothing was changed" in result.response.content
    shown = await community.admin.slash(community.meeting, "settings show")
    assert "Meeting channel: not set" in shown.response.content


async def test_moderation_without_facilitator_channel_is_refused(simcord_env, community):
    result = await community.admin.slash(community.meeting, "settings update", moderation=True)
    assert "needs a private facilitator channel" in result.response.content
    shown = await community.admin.slash(community.meeting, "settings show")
    assert "checked by a facilitator before posting: off" in shown.response.content

    ok = await community.admin.slash(
        community.meeting, "settings update", moderation=True, facilitator_channel=community.facilitators
    )
    assert ok.response.content.startswith("Saved")
    assert "checked by a facilitator before posting: on" in ok.response.content


async def test_update_with_no_options_says_so(simcord_env, community):
    result = await community.admin.slash(community.meeting, "settings update")
    assert result.response.content.startswith("Nothing to change")


async def test_public_facilitator_channel_gets_a_privacy_note(simcord_env, community):
    result = await community.admin.slash(community.meeting, "settings update", facilitator_channel=community.meeting)
    assert "everyone in the server can see the facilitator channel" in result.response.content


async def test_timezone_autocomplete_offers_matching_zones(simcord_env, community):
    choices = await community.admin.autocomplete(community.meeting, "settings update", "timezone", "new_york")
    values = [choice["value"] for choice in choices]
    assert "America/New_York" in values


async def test_profile_then_members_list_shows_the_role(simcord_env, community):
    await community.configure()
    sam = community.add_member("sam", global_name="Sam")
    community.add_member("ria")
    reply = await sam.slash(community.meeting, "profile", role="lay")
    assert reply.ephemeral
    assert "Patient, carer or member of the public" in reply.response.content

    listing = await community.facilitator.slash(community.meeting, "members list")
    text = listing.response.content
    assert listing.ephemeral
    assert f"Patient, carer or member of the public: **1** ({sam.mention})" in text
    # The server's owner, the admin, the facilitator and Ria have not chosen a role.
    assert "No role yet: **4**" in text
    assert "They can choose one with `/profile`" in text


async def test_members_set_by_facilitator_and_refused_for_others(simcord_env, community):
    await community.configure()
    sam = community.add_member("sam")
    ria = community.add_member("ria")
    community.show_facilitator_commands(community.facilitator_role, ria)  # shown to Ria by mistake
    refused = await ria.slash(community.meeting, "members set", member=sam, role="gp")
    assert refused.response.content == FACILITATOR_ONLY

    done = await community.facilitator.slash(community.meeting, "members set", member=sam, role="gp")
    assert "GP (family doctor)" in done.response.content
    listing = await community.facilitator.slash(community.meeting, "members list")
    assert f"GP (family doctor): **1** ({sam.mention})" in listing.response.content


async def test_members_list_refused_for_ordinary_member(simcord_env, community):
    await community.configure()
    sam = community.add_member("sam")
    assert "members list" not in sam.available_commands(community.meeting)
    community.show_facilitator_commands(community.facilitator_role, sam)  # shown to Sam by mistake
    result = await sam.slash(community.meeting, "members list")
    assert result.response.content == FACILITATOR_ONLY


async def test_settings_and_profiles_survive_a_restart(simcord_env, community, restart):
    await community.configure(timezone="America/New_York")
    sam = community.add_member("sam")
    await sam.slash(community.meeting, "profile", role="researcher")

    await restart()

    shown = await community.facilitator.slash(community.meeting, "settings show")
    assert "Timezone: America/New_York" in shown.response.content
    listing = await community.facilitator.slash(community.meeting, "members list")
    assert f"Researcher: **1** ({sam.mention})" in listing.response.content


async def test_help_explains_features_and_includes_purpose(simcord_env, community):
    sam = community.add_member("sam")
    result = await sam.slash(community.meeting, "help")
    assert result.ephemeral
    embed = result.response.embeds[0]
    assert "put good research into everyday care" in embed.description
    # The guide may spill into follow-up messages (whole sections each, under Discord's 6,000).
    embeds = [embed, *(e for message in result.followups for e in message.embeds)]
    titles = [field.name for e in embeds for field in e.fields]
    assert titles[0] == "Getting started"
    assert "Your role in the group" in titles
    assert "Check-in after meetings" in titles and "Settings" not in titles  # settings are for facilitators
    assert all(len(field.value) <= 1024 for e in embeds for field in e.fields)
    assert all(len(e) <= 6000 for e in embeds)


async def test_welcome_with_closed_dms_does_not_crash(simcord_env, community):
    await community.configure()
    simcord_env.inject_error("POST", "/channels/*/messages", status=403, code=50007, message="Cannot send messages")
    newcomer = community.add_member("private_person")
    await simcord_env.settle()
    assert newcomer.user.dm_channel.history() == []
    assert simcord_env.errors == []


async def test_moderation_needs_a_facilitator_channel_copbot_can_post_in(simcord_env, community):
    hidden = community.private_channel("facilitators-only", bot_can_post=False)
    await community.configure(facilitator_channel=hidden)

    refused = await community.admin.slash(community.meeting, "settings update", moderation=True)
    assert refused.response.ephemeral
    assert refused.response.content == (
        f"I can't post in {hidden.mention}, so questions waiting to be checked would never reach the "
        "facilitators: please let me see and send messages there first. Nothing was changed."
    )
    shown = await community.admin.slash(community.meeting, "settings show")
    assert "checked by a facilitator before posting: off" in shown.response.content

    # Turning it on together with a channel copbot can post in works.
    ok = await community.admin.slash(
        community.meeting, "settings update", moderation=True, facilitator_channel=community.facilitators
    )
    assert ok.response.content.startswith("Saved")

    # While moderation is on, moving the facilitator channel to one copbot can't post in is refused too.
    moved = await community.admin.slash(community.meeting, "settings update", facilitator_channel=hidden)
    assert moved.response.content.startswith(f"I can't post in {hidden.mention}")
    shown = await community.admin.slash(community.meeting, "settings show")
    assert f"Facilitator channel: {community.facilitators.mention}" in shown.response.content
    assert "checked by a facilitator before posting: on" in shown.response.content

    # With moderation off again, any private channel may be chosen.
    await community.configure(moderation=False, facilitator_channel=hidden)
