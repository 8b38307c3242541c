"""The bot's side of ``copbot health``, and the start-up line a host reads first.

Listens to the connection itself, not to members: every message from Discord's gateway (including its
heartbeat acknowledgements, which come about every 41 seconds while connected) refreshes the heartbeat
file of :mod:`bot.health`, at most every few seconds; start-up and a clean stop are written too.

When the connection is ready, one log line says who the bot is and in how many servers, so a host sees at
once that it worked; with no server at all, the line says how to invite it, the usual forgotten step.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from discord.ext import commands

from bot import __version__
from bot.app import CopBot
from bot.clock import utcnow
from bot.health import WRITE_EVERY, Heartbeat, heartbeat_path, write

log = logging.getLogger(__name__)


class HealthCog(commands.Cog):
    """Keeps the heartbeat file; no commands."""

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot
        self.path = heartbeat_path(bot.config, bot.lock_scope)
        self._last_write = float("-inf")

    async def cog_load(self) -> None:
        # An old file from the last run must not pass the check before this run has connected.
        self._write("starting", heard=False)

    async def cog_unload(self) -> None:
        self._write("stopped", heard=False)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        servers = len(self.bot.guilds)
        name = str(self.bot.user) if self.bot.user is not None else "copbot"
        if servers:
            plural = "" if servers == 1 else "s"
            log.info("copbot %s is online as %s in %d server%s", __version__, name, servers, plural)
        else:
            log.warning(
                "copbot %s is online as %s in 0 servers: add it to your server with the link from "
                "copbot invite --client-id %s",
                __version__,
                name,
                self.bot.application_id or "YOUR_APPLICATION_ID",
            )
        self._heard(force=True)

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        self._heard(force=True)

    @commands.Cog.listener()
    async def on_guild_join(self, _guild: Any) -> None:
        self._heard(force=True)  # the server count in the file changes

    @commands.Cog.listener()
    async def on_guild_remove(self, _guild: Any) -> None:
        self._heard(force=True)

    @commands.Cog.listener()
    async def on_socket_raw_receive(self, _message: Any) -> None:
        self._heard()

    @commands.Cog.listener()
    async def on_socket_event_type(self, _event: str) -> None:
        self._heard()

    def _heard(self, *, force: bool = False) -> None:
        """Discord said something: refresh the file, unless it was refreshed a moment ago."""
        if self.bot.is_closed():
            return
        now = time.monotonic()
        if not force and now - self._last_write < WRITE_EVERY:
            return
        self._last_write = now
        self._write("connected", heard=True)

    def _write(self, state: str, *, heard: bool) -> None:
        if self.path is None:
            return
        user = self.bot.user
        beat = Heartbeat(
            pid=os.getpid(),
            version=__version__,
            state=state,
            heard=utcnow().isoformat() if heard else None,
            name=str(user) if user is not None else None,
            servers=len(self.bot.guilds) if user is not None else None,
        )
        try:
            write(self.path, beat)
        except OSError:
            # Health reporting must never take the bot down; the check then fails, which says enough.
            log.warning("Could not write the heartbeat file %s", self.path, exc_info=True)


async def setup(bot: CopBot) -> None:
    await bot.add_cog(HealthCog(bot))
