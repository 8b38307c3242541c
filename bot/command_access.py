"""Who sees copbot's facilitator commands in the ``/`` list, and the one step only a server admin can take.

Every facilitator command group is registered with ``default_member_permissions`` = Manage Server
(``cogs._shared.FACILITATOR_COMMANDS``): Discord then shows it only to members with Manage Server
(who count as facilitators) and to administrators. Members of the configured facilitator role see it
once a server admin allows that role on each facilitator command, in Server Settings → Integrations →
copbot. Allowing the role on copbot as a whole is not enough: an app-wide allow does not lift a
command's default permission, a per-command allow does (Discord's "Updates to Command Permissions").

copbot cannot take that step itself: Discord accepts changes to command permissions only with a
person's own OAuth2 token (a "Bearer" token with the ``applications.commands.permissions.update``
scope, from someone who may manage the server and its roles), never with a bot token (Discord API
change log, 2022-04-27, "Updated Command Permissions"). A bot may *read* them, so copbot checks and
says which commands are still hidden from the role.

Pure functions: the settings cog reads the overrides from Discord and renders the sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: Discord's command permission target types.
ROLE, USER, CHANNEL = 1, 2, 3
WHERE = "Server Settings → Integrations → copbot"

#: One command's overrides in one server: (target id, target type, allowed).
Overrides = Iterable[tuple[int, int, bool]]


def role_may_use(overrides: Overrides, *, role_id: int, guild_id: int) -> bool:
    """Whether a command-level override lets members of ``role_id`` see the command.

    An override for the role itself decides (a deny wins over a duplicate allow); otherwise an allow
    for @everyone (whose id is the server's) does. Channel overrides are left aside: they hide a
    command in some channels, not from a role.
    """
    entries = list(overrides)
    role = [allowed for target, kind, allowed in entries if kind == ROLE and target == role_id]
    if role:
        return all(role)
    everyone = [allowed for target, kind, allowed in entries if kind == ROLE and target == guild_id]
    return bool(everyone) and all(everyone)


def hidden_from_role(commands: Mapping[str, Overrides], *, role_id: int, guild_id: int) -> list[str]:
    """The facilitator commands (name → their overrides here) the role cannot see yet, by name."""
    return sorted(
        name for name, overrides in commands.items() if not role_may_use(overrides, role_id=role_id, guild_id=guild_id)
    )


def step_sentence(role_mention: str, hidden: list[str]) -> str:
    """What the server admin is told while some facilitator commands are hidden from the role."""
    listed = ", ".join(f"/{name}" for name in hidden)
    return (
        f"One more step, for a server admin: members see only their own commands, so {role_mention} does not "
        f"see copbot's facilitator commands yet. In {WHERE}, open each of these commands, choose "
        f"**Add Roles or Members**, pick {role_mention} and save: {listed}. "
        "(copbot can't do this for you: Discord lets only a person change who sees a command.)"
    )


def done_sentence(role_mention: str) -> str:
    return f"{role_mention} can see copbot's facilitator commands."
