"""Shared fixtures: every test gets its own database file and a real bot from ``create_bot()``."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot import create_bot
from bot.storage import postgres
from bot.storage.backend import AnyDatabase, make_database
from bot.storage.postgres import PostgresDatabase
from tests.pgcluster import Cluster, cluster_from_env, start_cluster
from tests.realdiscord import RealisticDiscord

#: ``COPBOT_TEST_BACKEND=postgresql`` runs every test that uses the default database on PostgreSQL.
TEST_BACKEND = os.environ.get("COPBOT_TEST_BACKEND", "sqlite")

#: Latency added to every REST call in end-to-end tests unless a test asks for another
#: (``@pytest.mark.discord(latency=…)``); ``COPBOT_TEST_LATENCY`` overrides it for a whole run.
#: It passes on SimCord's clock, not the wall clock (``tests/realdiscord.py``); a few tests run at 300 ms.
DEFAULT_LATENCY = 0.02
#: Rate-limit buckets on (1) or off (0); ``COPBOT_TEST_RATE_LIMITS`` overrides it for a whole run.
DEFAULT_RATE_LIMITS = 1


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "discord(latency=seconds, rate_limits=True): how the realistic-Discord layer behaves in this test",
    )
    config.addinivalue_line(
        "markers", "sqlite_only: works on the SQLite file itself, so a PostgreSQL run keeps the file for it"
    )


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster for this test session (this xdist worker), on a unix socket.

    Skips the test with the reason when PostgreSQL is not installed, unless ``COPBOT_REQUIRE_POSTGRES=1``
    (CI), where a missing PostgreSQL is a failure rather than a quietly smaller test run.
    """
    shared = cluster_from_env()
    if shared is not None:
        yield shared
        return
    try:
        cluster = start_cluster()
    except FileNotFoundError as exc:
        if os.environ.get("COPBOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required (COPBOT_REQUIRE_POSTGRES=1) but {exc}")
        pytest.skip(f"PostgreSQL tests skipped: {exc} (install PostgreSQL to run them)")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    url = asyncio.run(pg_cluster.new_database())
    yield url
    asyncio.run(pg_cluster.drop_database(url))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a repository test's database lives: a file, then a PostgreSQL URL (skipped without it)."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_url")
    return str(tmp_path / "copbot.db")


@pytest_asyncio.fixture
async def database(database_target: str) -> AsyncIterator[AnyDatabase]:
    """An open, migrated database on each backend in turn: repository tests take this one."""
    db = make_database(database_target)
    await db.open()
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture(autouse=True)
def isolated_environment(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A fresh database per test, and no configuration leaking in from the developer's shell.

    The database is a file unless the run is on PostgreSQL (``COPBOT_TEST_BACKEND=postgresql``), when
    ``COPBOT_DB`` is a fresh PostgreSQL database; tests that work on the file itself are marked
    ``sqlite_only`` and keep the file.
    """
    for name in list(os.environ):
        if (name.startswith("COPBOT") and not name.startswith("COPBOT_TEST_")) or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name, raising=False)
    db_path = tmp_path / "copbot.db"
    monkeypatch.setenv("COPBOT_DB", str(db_path))
    monkeypatch.setenv("COPBOT_DATA_DIR", str(tmp_path))  # copbot's own files (a PostgreSQL bot's heartbeat)
    if TEST_BACKEND == "postgresql" and request.node.get_closest_marker("sqlite_only") is None:
        monkeypatch.setenv("COPBOT_DB", request.getfixturevalue("pg_url"))
    yield db_path


@pytest.fixture(autouse=True)
def discord_layer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> RealisticDiscord:
    """Every REST call the bot makes takes latency, waits in its rate-limit bucket and is checked
    against Discord's limits that SimCord skips (see ``tests/realdiscord.py``)."""
    marker = request.node.get_closest_marker("discord")
    options = dict(marker.kwargs) if marker else {}
    latency = float(options.pop("latency", os.environ.get("COPBOT_TEST_LATENCY", DEFAULT_LATENCY)))
    rate_limits = bool(int(options.pop("rate_limits", os.environ.get("COPBOT_TEST_RATE_LIMITS", DEFAULT_RATE_LIMITS))))
    layer = RealisticDiscord(latency=latency, rate_limits=rate_limits, **options)
    layer.install(monkeypatch)
    return layer


@pytest.fixture(autouse=True)
def _database_waits_on_simcords_clock(discord_layer: RealisticDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PostgreSQL rewrite that waits for another transaction to end (``REWRITE_WAITS``) waits on
    SimCord's clock inside a running bot, as every other wait there does (outside one, on the wall
    clock). With ``-n 4`` the other workers' connections, taking a snapshot before they join their
    database, briefly hold deleted rows in every database, so this happens in ordinary runs."""
    monkeypatch.setattr(postgres, "_pause", discord_layer.sleep)


@pytest.fixture(autouse=True)
def _quick_postgres_close(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a PostgreSQL bot's close give up on unreturned connections after 1 s, not 10 s.

    When SimCord detaches a bot it cancels every task the bot started, asyncpg's own shielded
    "give the connection back" task included; one cancelled before it ran never returns its
    connection, so the bot's close would wait out the full timeout (production keeps 10 s).
    """
    monkeypatch.setattr(PostgresDatabase, "close_timeout", 1.0)


@pytest.fixture
def db_path(isolated_environment: Path) -> Path:
    return isolated_environment


@pytest_asyncio.fixture
async def simcord_bot(_started_bots):
    """The real bot, exactly as production builds it (SimCord's pytest plugin starts it)."""
    bot = create_bot()
    _started_bots.append(bot)
    return bot


@pytest_asyncio.fixture
async def _started_bots():
    """Every bot a test starts, released at the end: SimCord detaches bots without closing them."""
    bots: list = []
    yield bots
    for bot in bots:
        await bot.release()


@pytest.fixture
def restart(simcord_env, _started_bots):
    """``await restart()``: a new bot on the same database, as after a process restart.

    The old bot's scheduler is stopped and its database closed, as they would be when its process
    ended, so it can neither fire a timer nor write after the restart.
    """

    async def do_restart():
        old = simcord_env.bot
        new = create_bot()
        _started_bots.append(new)
        await simcord_env.restart_bot(new)
        await old.release()
        return new

    return do_restart


class Community:
    """A SimCord server laid out like a real CoP: channels, a facilitator role, an admin.

    Tests build on it instead of repeating set-up, and configure it through the real
    ``/settings update`` command so the settings path is exercised end to end.
    """

    def __init__(self, env) -> None:
        import discord

        self.env = env
        self.guild = env.create_guild("Knee Pain CoP")
        self.meeting = self.guild.create_text_channel("meeting")
        self.questions = self.guild.create_text_channel("questions")
        self.facilitator_role = self.guild.create_role("Facilitators")
        self.admin_role = self.guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
        self.facilitators = self.private_channel("facilitators")
        self.voice = self.guild.create_voice_channel("Meeting room")
        self.admin = self.guild.add_member(env.create_user("admin_alex", global_name="Alex"), roles=[self.admin_role])
        self.facilitator = self.guild.add_member(
            env.create_user("fran_fac", global_name="Fran"), roles=[self.facilitator_role]
        )
        self.show_facilitator_commands(self.facilitator_role)

    def facilitator_commands(self) -> list[int]:
        """The ids of copbot's facilitator commands (those Discord hides from members by default)."""
        return [
            int(self.env.backend.find_command(command.name, None)["id"])
            for command in self.env.bot.tree.get_commands()
            if command.default_permissions is not None
        ]

    def show_facilitator_commands(self, *allowed) -> None:
        """The server admin's one-time step from the README (Server Settings → Integrations → copbot):
        each facilitator command is shown to ``allowed`` (roles or members). Only a person can do this
        in Discord, not the bot, so a test does it as the admin would."""
        for command_id in self.facilitator_commands():
            self.guild.set_command_permissions(command_id, dict.fromkeys(allowed, True))

    def private_channel(self, name: str, *, bot_can_post: bool = True, viewers=()):
        """A text channel hidden from everyone but facilitators, admins, ``viewers`` (roles) and, as in a
        real server where the facilitators invited it, the bot (view and send) unless ``bot_can_post``
        is false."""
        import discord

        see = discord.PermissionOverwrite(view_channel=True)
        overwrites = {
            self.guild.default_role: discord.PermissionOverwrite(view_channel=False),
            self.facilitator_role: see,
            self.admin_role: see,
            **dict.fromkeys(viewers, see),
        }
        if bot_can_post:
            overwrites[self.env.bot.user] = discord.PermissionOverwrite(view_channel=True, send_messages=True)
        return self.guild.create_text_channel(name, overwrites=overwrites)

    def add_member(self, name: str, *, facilitator: bool = False, global_name: str | None = None):
        roles = [self.facilitator_role] if facilitator else []
        return self.guild.add_member(self.env.create_user(name, global_name=global_name), roles=roles)

    async def configure(self, **options):
        """Run ``/settings update`` as the admin; defaults wire up every channel and the role."""
        values = {
            "facilitator_role": self.facilitator_role,
            "meeting_channel": self.meeting,
            "questions_channel": self.questions,
            "facilitator_channel": self.facilitators,
            "main_voice": self.voice,
            "timezone": "Europe/London",
        }
        values.update(options)
        values = {k: v for k, v in values.items() if v is not None}
        result = await self.admin.slash(self.meeting, "settings update", **values)
        assert result.response is not None and result.response.content.startswith("Saved"), result.response
        return result


@pytest_asyncio.fixture
async def community(simcord_env) -> Community:
    """An unconfigured CoP server (call ``await community.configure()`` to set it up)."""
    return Community(simcord_env)
