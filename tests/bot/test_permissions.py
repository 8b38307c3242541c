"""The permission list is the one source for the invite link, the hosting guide and runtime checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot import permissions

ROOT = Path(__file__).resolve().parents[2]


def test_the_invite_integer_is_exactly_the_listed_bits_and_never_administrator():
    expected = 0
    for item in permissions.ALL:
        expected |= 1 << item.bit
    assert permissions.value() == expected
    assert not permissions.value() & (1 << 3), "copbot must never ask for Administrator"
    assert len({p.bit for p in permissions.ALL}) == len(permissions.ALL)
    # Discord's documented bits for the ones that were missing before.
    assert permissions.CREATE_EVENTS.bit == 44 and permissions.CONNECT.bit == 20
    assert permissions.VIEW_CHANNEL.bit == 10


def test_the_flags_are_discord_py_permission_names_with_the_same_bits():
    import discord

    for item in permissions.ALL:
        assert getattr(discord.Permissions, item.flag).flag == 1 << item.bit, item.flag
    for group in (permissions.BREAKOUTS, permissions.VOICE_TARGET, permissions.EVENTS):
        assert set(group) <= set(permissions.ALL)


def test_the_hosting_guide_lists_every_permission_and_the_integer():
    readme = (ROOT / "docs" / "hosting.md").read_text(encoding="utf-8")
    for item in permissions.ALL:
        assert f"**{item.label}**" in readme, item.label
    assert str(permissions.value()) in readme


def test_copbot_invite_prints_the_link():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "invite", "--client-id", "123456789012345678"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    link = (
        "https://discord.com/oauth2/authorize?client_id=123456789012345678"
        f"&scope=bot+applications.commands&permissions={permissions.value()}"
    )
    assert link in result.stdout.splitlines()
    for item in permissions.ALL:
        assert item.label in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "invite", "--client-id", "abc"], capture_output=True, text=True, cwd=ROOT
    )
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
