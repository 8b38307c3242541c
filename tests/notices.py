"""Test helpers for time travel and for counting what people are notified of.

``Clocks`` steps time-machine and SimCord's clock together, stopping at every scheduler wake-up (so
the bot runs with both clocks agreeing, as in production). ``notices_for`` lists every notification a
member got from copbot: a direct message, or a message in the server that actually pinged them
(SimCord records who a message pinged after ``allowed_mentions``); ephemeral replies to their own
presses are not notifications. ``channel_activity`` counts copbot's posts and edits in one channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

#: How far past a due wake-up SimCord's timer can be (its clock is float seconds, the scheduler's datetimes).
NUDGE = 1e-5


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class Clocks:
    """Moves time-machine and SimCord together, stopping exactly where a scheduler job wakes.

    Stopping at the job's own instant keeps both clocks equal whenever the bot runs, as in
    production, so a reminder's ``created_at`` on SimCord's clock is the instant it was planned for.
    """

    def __init__(self, env, traveller) -> None:
        self.env = env
        self.t = traveller

    async def step(self, seconds: float) -> None:
        """Both clocks forward by ``seconds``, an hour at a time (SimCord settles the bot at each)."""
        while seconds > 0:
            chunk = min(seconds, 3600.0)
            self.t.shift(chunk)
            await self.env.advance_time(chunk)
            seconds -= chunk

    async def run_until(self, target: datetime) -> None:
        for _ in range(500):
            now = self.env.now()
            # Stop at every job's wake-up (the reminder job's, and others such as the daily privacy
            # job): when the scheduler wakes it runs every job due by the wall clock, so both clocks
            # must agree at each wake-up, as they do in production.
            wakes = [j.next_run_time for j in self.env.bot.scheduler.get_jobs() if j.next_run_time]
            wake = min(wakes) if wakes else None
            if wake is None or wake > target:
                await self.step((target - now).total_seconds())
                self.t.move_to(self.env.now())  # both agree at the target, whatever happened on the way
                return
            # Step exactly to the wake-up, so both clocks agree when the job runs and re-arms.
            gap = (wake - now).total_seconds()
            if gap > 0:
                await self.step(gap)
                continue
            # Due, but SimCord's timer is a hair past the instant (float rounding): move SimCord alone by
            # 10 microseconds, so the job runs and re-arms with the bot's clock exactly at its instant
            # (shifting time-machine first would run it, and plan the next wake-up, from a later one).
            await self.env.advance_time(NUDGE)
            self.t.shift(NUDGE)
        raise AssertionError("the reminder job kept waking without progress")


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification a member got: when, how (``dm`` or ``ping``), and the text."""

    at: datetime
    how: str
    text: str


def _stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _text(stored) -> str:
    parts = [stored.content or ""]
    parts += [f"{e.get('title') or ''}\n{e.get('description') or ''}" for e in stored.embeds]
    return "\n".join(p for p in parts if p)


def button_labels(message) -> list[str]:
    """The labels of a message's buttons (a ``discord.Message`` or a SimCord reply with raw rows)."""
    labels: list[str] = []
    for row in message.components or ():
        children = row["components"] if isinstance(row, dict) else row.children
        for child in children:
            label = child.get("label") if isinstance(child, dict) else getattr(child, "label", None)
            if label:
                labels.append(label)
    return labels


class PingWatch:
    """Who each message pinged *when it was posted*: SimCord recomputes a message's pings when it is
    edited, but Discord notifies only on the post (an edit notifies nobody, even if it adds a mention).
    Start one before the messages it is to see."""

    def __init__(self, env) -> None:
        self.pinged: dict[int, tuple[int, ...]] = {}
        self._backend = env.backend
        env.backend.subscribers.append(self._seen)

    def _seen(self, event: str, payload) -> None:
        if event != "MESSAGE_CREATE":
            return
        stored = self._backend.messages.get(int(payload["channel_id"]), {}).get(int(payload["id"]))
        if stored is not None:
            self.pinged[stored.id] = tuple(stored.ping_user_ids)

    def of(self, stored) -> tuple[int, ...]:
        return self.pinged.get(stored.id, tuple(stored.ping_user_ids))


def notices_for(
    env,
    member,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    watch: PingWatch | None = None,
) -> list[Notice]:
    """Every notification copbot gave ``member`` (a DM, or a server message that pinged them when it
    was posted: ``watch`` knows, for messages edited since), in order."""
    backend = env.backend
    bot_id = env.bot.user.id
    found: list[Notice] = []
    for channel_id, messages in backend.messages.items():
        channel = backend.channels.get(channel_id)
        is_their_dm = channel is not None and channel.guild_id is None and member.id in channel.recipient_ids
        for stored in messages.values():
            if stored.author_id != bot_id or stored.is_ephemeral:
                continue
            at = _stamp(stored.timestamp)
            if (since is not None and at < since) or (until is not None and at >= until):
                continue
            if is_their_dm:
                found.append(Notice(at, "dm", _text(stored)))
            elif member.id in (watch.of(stored) if watch is not None else stored.ping_user_ids):
                found.append(Notice(at, "ping", _text(stored)))
    return sorted(found, key=lambda n: n.at)


#: Discord's "started a thread" system message. SimCord posts one when a thread is opened from a
#: message; Discord does not (the message itself shows the thread), so it is no post of copbot's.
THREAD_CREATED = 18


def channel_activity(
    env, channel_id: int, since: datetime | None = None, until: datetime | None = None
) -> tuple[int, int]:
    """copbot's new posts in one channel, and its edits there (counted from the gateway's
    MESSAGE_UPDATEs, when ``edited_timestamp`` says they happened), between ``since`` and ``until``."""

    def within(stamp: str | None) -> bool:
        if stamp is None:
            return False
        at = _stamp(stamp)
        return (since is None or at >= since) and (until is None or at < until)

    bot_id = env.bot.user.id
    ours = [m for m in env.backend.messages.get(channel_id, {}).values() if m.author_id == bot_id]
    posts = [m for m in ours if not m.is_ephemeral and m.type != THREAD_CREATED and within(m.timestamp)]
    ids = {m.id for m in ours}
    edits = sum(
        1
        for kind, name, payload in env.backend.transcript
        if kind == "GATEWAY"
        and name == "MESSAGE_UPDATE"
        and str(payload.get("channel_id")) == str(channel_id)
        and int(payload.get("id", 0)) in ids
        and within(payload.get("edited_timestamp"))
    )
    return len(posts), edits
