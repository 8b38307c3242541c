"""Who sees copbot's facilitator commands (``bot.command_access``): pure rules, no Discord."""

from __future__ import annotations

from bot.command_access import CHANNEL, ROLE, USER, WHERE, hidden_from_role, role_may_use, step_sentence

GUILD, ROLE_ID = 100, 200


def test_a_command_override_for_the_role_or_everyone_shows_the_command():
    assert role_may_use([(ROLE_ID, ROLE, True)], role_id=ROLE_ID, guild_id=GUILD)
    assert role_may_use([(GUILD, ROLE, True)], role_id=ROLE_ID, guild_id=GUILD)  # @everyone
    # The role's own override decides over @everyone's, and a deny wins over a duplicate allow.
    assert not role_may_use([(GUILD, ROLE, True), (ROLE_ID, ROLE, False)], role_id=ROLE_ID, guild_id=GUILD)
    assert not role_may_use([(ROLE_ID, ROLE, True), (ROLE_ID, ROLE, False)], role_id=ROLE_ID, guild_id=GUILD)
    # Nothing set, another role, a user or a channel: the default (Manage Server) still hides it.
    assert not role_may_use([], role_id=ROLE_ID, guild_id=GUILD)
    assert not role_may_use(
        [(999, ROLE, True), (ROLE_ID, USER, True), (5, CHANNEL, True)], role_id=ROLE_ID, guild_id=GUILD
    )


def test_the_admin_is_told_exactly_which_commands_remain():
    hidden = hidden_from_role(
        {"meeting": [(ROLE_ID, ROLE, True)], "settings": [], "breakout": [(GUILD, ROLE, False)]},
        role_id=ROLE_ID,
        guild_id=GUILD,
    )
    assert hidden == ["breakout", "settings"]
    sentence = step_sentence("@Facilitators", hidden)
    assert WHERE in sentence and "/breakout, /settings" in sentence and "/meeting" not in sentence
