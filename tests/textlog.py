"""Every text copbot shows in an end-to-end test, with who can read it, measured as its reader sees it.

The realistic-Discord layer (``tests/realdiscord.py``) sees every REST call the bot makes and what
Discord answered, so it is a complete record of what was shown: posts and their edits, private
(ephemeral) replies, follow-ups, direct messages, thread posts, forms (modals), thread names and
scheduled events. :class:`TextRecorder` listens to it and keeps, for each of those, the text as a
reader sees it (Discord timestamps as dates, mentions as names, masked links as their words) and who
can see it: **members** (a channel a member who is not a facilitator can read, or a member's own
private reply, DM or form) or **facilitators** only (a channel members cannot read, or a facilitator's
own private reply, DM or form).

:func:`measure` then gives each text its words, its Flesch–Kincaid grade (textstat 0.7.4), any
slash-option syntax (``name:value``) and any "#N" numbers. How short texts are measured is explained
at :data:`MIN_GRADED_WORDS`.

:class:`ButtonProbe` finds facilitator-only buttons on posts members can see the only honest way: a
plain member presses each kind of button and copbot's answer says whether it refused them.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import discord
import textstat

#: Texts with fewer words than this get no reading grade. The Flesch–Kincaid formula
#: (0.39 × words per sentence + 11.8 × syllables per word − 15.59) was fitted on passages, and on a
#: button label or a one-line reply it measures one or two words' syllables: "Me too" scores −3.0 and
#: "Removed." 8.4, so grading them would fill the distribution with noise in both directions. Short
#: texts are measured instead by their words: each word of :data:`LONG_WORD_SYLLABLES` syllables or
#: more is listed (``Measure.long_words``), which is what makes a short text hard to read.
MIN_GRADED_WORDS = 10
#: A word this long (in syllables, counted by textstat/pyphen) is a "long word" in a short text.
LONG_WORD_SYLLABLES = 4

_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")
_CHANNEL = re.compile(r"<#(\d+)>")
_SLASH = re.compile(r"</([\w -]+):\d+>")
_CUSTOM_EMOJI = re.compile(r"<a?:\w+:\d+>")
_MASKED_LINK = re.compile(r"\[([^\]]+)\]\(<?(https?://[^)\s>]+)>?\)")
_RAW_LINK = re.compile(r"<?https?://[^\s>)]+>?")
_NUMBER = re.compile(r"(?<![\w&<])#\d+\b")
#: Emoji and pictographs: decoration a screen reader reads out by name, not words.
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d]")
_VIEW_CHANNEL = discord.Permissions(view_channel=True).value
_MANAGE_GUILD = discord.Permissions(manage_guild=True).value
_ADMINISTRATOR = discord.Permissions(administrator=True).value


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    custom_id: str | None
    url: str | None

    @property
    def kind(self) -> str:
        """What the button does, without the ids it acts on (``copbot:questions:vote`` for
        ``copbot:questions:vote:12``), so one kind of button is pressed once however many posts carry it."""
        if self.custom_id and self.custom_id.startswith("copbot:"):
            return ":".join(self.custom_id.split(":")[:3])
        return f"label:{self.label}"


@dataclass(slots=True)
class Shown:
    """One thing copbot showed someone: a message (or a new version of one), a form, a name."""

    kind: str  # "post", "reply" (private), "dm", "form", "thread", "event"
    audience: str  # "member" or "facilitators"
    where: str  # a reader's description: "#meeting", "DM to lee", "private reply to fran"
    step: str  # the scenario's step when it was shown (TextRecorder.step)
    at: datetime  # on SimCord's clock
    body: str  # the prose as the reader sees it (content, embeds, text displays)
    labels: tuple[str, ...] = ()  # buttons, menus, form titles, labels and placeholders
    buttons: tuple[Button, ...] = ()
    images: tuple[tuple[str, str | None], ...] = ()  # (file name, description) of each attachment
    channel_id: int | None = None
    message_id: int | None = None
    edit: bool = False
    raw_links: int = 0


@dataclass(frozen=True, slots=True)
class Measure:
    words: int
    grade: float | None  # None below MIN_GRADED_WORDS
    option_syntax: tuple[str, ...]
    numbers: tuple[str, ...]  # "#N"
    long_words: tuple[str, ...]  # in texts too short to grade

    @property
    def graded(self) -> bool:
        return self.grade is not None


class TextRecorder:
    """Listens to the realistic-Discord layer and keeps every text copbot shows, as its reader sees it.

    A facilitator is, as copbot decides it, someone with ``facilitator_role`` (a role id) or the Manage
    Server permission (the server's owner included); everyone else in the server is a member.
    Visibility is read from SimCord at the moment a text is shown (breakout rooms are gone by the end
    of a meeting), and ``step`` labels what the scenario was doing, for the report and for the
    budgets' exceptions (the recap, ``/help``).
    """

    def __init__(self, env: Any, *, facilitator_role: int, timezone: str = "Europe/London") -> None:
        self.env = env
        self.facilitator_role = facilitator_role
        self.tz = ZoneInfo(timezone)
        self.step = "set-up"
        self.shown: list[Shown] = []
        #: Anything that went wrong while recording. The recorder never raises into the bot (a test
        #: aid must not change what the bot does); a test asserts this stays empty instead.
        self.errors: list[str] = []

    def attach(self, layer: Any) -> TextRecorder:
        layer.listeners.append(self._on_call)
        return self

    @contextmanager
    def during(self, step: str) -> Iterator[None]:
        previous, self.step = self.step, step
        try:
            yield
        finally:
            self.step = previous

    # -- what the layer tells us ------------------------------------------------------------------

    def _on_call(self, method: str, path: str, payload: Any, result: Any) -> None:
        try:
            self._record(method, path, payload, result)
        except Exception as error:
            self.errors.append(f"{method} {path}: {error!r}")

    def _record(self, method: str, path: str, payload: Any, result: Any) -> None:
        if method == "GET":
            return
        if path.endswith("/callback") and isinstance(payload, dict):
            interaction = self._interaction(path)
            if payload.get("type") == 9 and interaction is not None:
                self._form(payload.get("data") or {}, interaction.user_id)
            resource = (result or {}).get("resource") if isinstance(result, dict) else None
            if isinstance(resource, dict) and isinstance(resource.get("message"), dict):
                self._message(resource["message"], edit=payload.get("type") == 7)
            return
        if not isinstance(result, dict):
            return
        if "/threads" in path and result.get("name") and "type" in result and "content" not in result:
            self._name("thread", result)
        elif re.fullmatch(r"/guilds/\d+/scheduled-events(/\d+)?", path):
            self._event(result)
        elif "content" in result and "channel_id" in result and "author" in result:
            self._message(result, edit=method == "PATCH")

    def _interaction(self, path: str) -> Any:
        match = re.match(r"/interactions/(\d+)/", path)
        return self.env.backend.interactions.get(int(match.group(1))) if match else None

    # -- who can see it ---------------------------------------------------------------------------

    def _viewers(self, channel_id: int, message: dict[str, Any] | None) -> tuple[str, str, set[int]]:
        """(kind, where, the people who can read it) for a message in ``channel_id``."""
        backend = self.env.backend
        channel = backend.channels.get(channel_id)
        if message is not None and int(message.get("flags") or 0) & 64:
            user = int(((message.get("interaction_metadata") or {}).get("user") or {}).get("id") or 0)
            return "reply", f"private reply to {self._plain_name(user)}", {user}
        if channel is None:
            return "post", "?", set()
        if channel.guild_id is None:
            recipients = {uid for uid in channel.recipient_ids if uid != backend.bot_user.id}
            names = ", ".join(self._plain_name(uid) for uid in sorted(recipients))
            return "dm", f"DM to {names}", recipients
        guild = backend.get_guild(channel.guild_id)
        viewers = {
            uid
            for uid in guild.members
            if uid != backend.bot_user.id
            and backend.compute_permissions(channel.guild_id, uid, channel_id) & _VIEW_CHANNEL
        }
        if channel.is_thread:
            parent = backend.channels.get(channel.parent_id)
            where = f"thread '{channel.name}' in #{parent.name if parent else '?'}"
        else:
            where = f"#{channel.name}"
        return "post", where, viewers

    def is_facilitator(self, user_id: int) -> bool:
        backend = self.env.backend
        for guild in backend.guilds.values():
            member = guild.members.get(user_id)
            if member is None:
                continue
            if self.facilitator_role in member.role_ids or guild.owner_id == user_id:
                return True
            if backend.compute_permissions(guild.id, user_id) & (_MANAGE_GUILD | _ADMINISTRATOR):
                return True
        return False

    def _audience(self, viewers: set[int]) -> str:
        return "member" if any(not self.is_facilitator(uid) for uid in viewers) else "facilitators"

    # -- the records ------------------------------------------------------------------------------

    def _message(self, message: dict[str, Any], *, edit: bool) -> None:
        channel_id = int(message["channel_id"])
        kind, where, viewers = self._viewers(channel_id, message)
        at = self.env.now()
        parts = [message.get("content") or ""]
        for embed in message.get("embeds") or ():
            parts += [(embed.get("author") or {}).get("name") or "", embed.get("title") or ""]
            parts.append(embed.get("description") or "")
            for embed_field in embed.get("fields") or ():
                parts += [embed_field.get("name") or "", embed_field.get("value") or ""]
            parts.append((embed.get("footer") or {}).get("text") or "")
        prose, labels, buttons = _components(message.get("components") or ())
        parts += prose
        raw = "\n".join(p for p in parts if p)
        images = tuple((a.get("filename") or "", a.get("description")) for a in message.get("attachments") or ())
        self.shown.append(
            Shown(
                kind=kind,
                audience=self._audience(viewers),
                where=where,
                step=self.step,
                at=at,
                body=self.render(raw, at),
                labels=tuple(self.render(label, at) for label in labels),
                buttons=buttons,
                images=images,
                channel_id=channel_id,
                message_id=int(message["id"]),
                edit=edit,
                raw_links=len(_RAW_LINK.findall(_MASKED_LINK.sub("", raw))),
            )
        )

    def _form(self, data: dict[str, Any], user_id: int) -> None:
        prose, labels, _ = _components(data.get("components") or ())
        at = self.env.now()
        self.shown.append(
            Shown(
                kind="form",
                audience=self._audience({user_id}),
                where=f"form shown to {self._plain_name(user_id)}",
                step=self.step,
                at=at,
                body=self.render("\n".join(prose), at),
                labels=tuple(self.render(t, at) for t in (data.get("title") or "", *labels) if t),
            )
        )

    def _name(self, kind: str, channel: dict[str, Any]) -> None:
        channel_id = int(channel["id"])
        _, where, viewers = self._viewers(channel_id, None)
        at = self.env.now()
        self.shown.append(
            Shown(
                kind,
                self._audience(viewers),
                where,
                self.step,
                at,
                "",
                labels=(channel["name"],),
                channel_id=channel_id,
            )
        )

    def _event(self, event: dict[str, Any]) -> None:
        at = self.env.now()
        body = self.render(event.get("description") or "", at)
        self.shown.append(
            Shown("event", "member", "server event", self.step, at, body, labels=(event.get("name") or "",))
        )

    # -- as a reader sees it ----------------------------------------------------------------------

    def _plain_name(self, user_id: int) -> str:
        user = self.env.backend.users.get(user_id)
        return user.name if user is not None else str(user_id)

    def _display_name(self, user_id: int) -> str:
        backend = self.env.backend
        for guild in backend.guilds.values():
            member = guild.members.get(user_id)
            if member is not None and getattr(member, "nick", None):
                return member.nick
        user = backend.users.get(user_id)
        if user is None:
            return "someone"
        return user.global_name or user.name

    def render(self, text: str, at: datetime) -> str:
        """``text`` as a reader sees it in Discord: dates in the reader's time zone, names instead of
        mentions, a masked link's words instead of its address, custom emoji gone."""
        backend = self.env.backend

        def role(match: re.Match[str]) -> str:
            for guild in backend.guilds.values():
                found = guild.roles.get(int(match.group(1)))
                if found is not None:
                    return "@" + found.name
            return "@role"

        def channel(match: re.Match[str]) -> str:
            found = backend.channels.get(int(match.group(1)))
            return "#" + (found.name or "channel") if found is not None else "#unknown"

        text = _TIMESTAMP.sub(lambda m: discord_time(int(m.group(1)), m.group(2) or "f", at, self.tz), text)
        text = _USER.sub(lambda m: "@" + self._display_name(int(m.group(1))), text)
        text = _ROLE.sub(role, text)
        text = _CHANNEL.sub(channel, text)
        text = _SLASH.sub(lambda m: "/" + m.group(1), text)
        text = _CUSTOM_EMOJI.sub("", text)
        text = _MASKED_LINK.sub(lambda m: m.group(1), text)
        return re.sub(r"\\([\\*_~`|>#.\-\[\]()])", r"\1", text)  # markdown escapes show as the character

    # -- reading the record -----------------------------------------------------------------------

    def texts(self, audience: str | None = None, *, distinct: bool = True) -> list[Shown]:
        """What was shown (to ``audience``), each distinct text once: the same words with other numbers
        or names (a vote count, a turn's speaker, one reminder per member) count once."""
        chosen = [s for s in self.shown if audience is None or s.audience == audience]
        chosen = [s for s in chosen if s.body.strip() or s.labels]
        if not distinct:
            return chosen
        seen: dict[tuple[str, str, tuple[str, ...]], Shown] = {}
        for item in chosen:
            seen.setdefault((item.audience, _shape(item.body), tuple(_shape(x) for x in item.labels)), item)
        return list(seen.values())

    def posts(self, channel_id: int, steps: Iterable[str] | None = None) -> list[Shown]:
        """Messages posted in ``channel_id`` (each once, as first shown, however often edited; private
        replies not counted) whose first version was shown during one of ``steps`` (any when None)."""
        first: dict[int, Shown] = {}
        for item in self.shown:
            if item.channel_id == channel_id and item.kind == "post" and item.message_id is not None:
                first.setdefault(item.message_id, item)
        wanted = None if steps is None else set(steps)
        return [item for item in first.values() if wanted is None or item.step in wanted]


def _shape(text: str) -> str:
    """A text with its numbers and names blanked, so copies of one template compare equal."""
    text = re.sub(r"\d+", "0", text)
    return re.sub(r"@\S+(?: \S+)?", "@someone", text)


def _components(components: Iterable[dict[str, Any]]) -> tuple[list[str], list[str], tuple[Button, ...]]:
    """(prose, labels, buttons) of a message's or a form's components, nested ones included."""
    prose: list[str] = []
    labels: list[str] = []
    buttons: list[Button] = []
    for component in _walk(components):
        kind = component.get("type")
        if kind == 10:  # text display
            prose.append(component.get("content") or "")
            continue
        if kind == 2:
            label = component.get("label") or (component.get("emoji") or {}).get("name") or ""
            buttons.append(Button(label, component.get("custom_id"), component.get("url")))
        for key in ("label", "placeholder", "description"):
            if component.get(key):
                labels.append(str(component[key]))
        for option in component.get("options") or ():
            labels += [str(option[k]) for k in ("label", "description") if option.get(k)]
    return prose, [label for label in labels if label], tuple(buttons)


def _walk(components: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for component in components:
        if not isinstance(component, dict):
            continue
        yield component
        children = component.get("components")
        if isinstance(children, list):
            yield from _walk(children)
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                yield from _walk([component[key]])


# -- Discord's timestamps as a reader in the UK sees them ---------------------------------------------


def discord_time(unix: int, style: str, now: datetime, tz: ZoneInfo) -> str:
    """A ``<t:…:style>`` as Discord's English (UK) client shows it to a reader in ``tz``."""
    moment = datetime.fromtimestamp(unix, UTC).astimezone(tz)
    day = f"{moment.day} {moment:%B %Y}"
    clock = f"{moment:%H:%M}"
    if style == "t":
        return clock
    if style == "T":
        return f"{moment:%H:%M:%S}"
    if style == "d":
        return f"{moment:%d/%m/%Y}"
    if style == "D":
        return day
    if style == "F":
        return f"{moment:%A}, {day} at {clock}"
    if style == "R":
        return relative(moment - now.astimezone(tz))
    return f"{day} at {clock}"


def relative(delta: Any) -> str:
    """Discord's relative time ("in 3 days", "2 hours ago", "in a minute")."""
    seconds = delta.total_seconds()
    size = abs(seconds)
    units = (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60))
    found = next(((name, length) for name, length in units if size >= length), None)
    if found is None:
        return "in a few seconds" if seconds >= 0 else "a few seconds ago"
    unit, length = found
    count = round(size / length)
    amount = ("an" if unit == "hour" else "a") if count == 1 else str(count)
    words = f"{amount} {unit}{'' if count == 1 else 's'}"
    return f"in {words}" if seconds >= 0 else f"{words} ago"


# -- measures -------------------------------------------------------------------------------------------


def for_reading(text: str) -> str:
    """The prose a reader reads, for counting: markdown marks, list bullets, emoji and addresses out,
    and each line a sentence (a heading, a list item or a field name ends where its line ends, as a
    reader pauses there; textstat counts sentences only by ``. ! ?``)."""
    text = _RAW_LINK.sub("link", text)
    text = _EMOJI.sub("", text)
    text = re.sub(r"```\w*\n?", "", text)
    text = re.sub(r"(\*\*|__|~~|\|\||`)", "", text)
    text = re.sub(r"(?<!\w)[*_]([^*_\n]+)[*_](?!\w)", r"\1", text)
    lines = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:#{1,3}\s+|>\s*|[-*•·]\s+|\d+[.)]\s+)", "", line).strip()
        if not line:
            continue
        if not re.search(r"[.!?]['\")]*$", line):
            line += "."
        lines.append(line)
    return "\n".join(lines)


def option_names(tree: discord.app_commands.CommandTree) -> set[str]:
    """Every slash-command option name copbot registers: the words ``name:value`` syntax would use."""
    names: set[str] = set()
    for command in tree.walk_commands():
        if isinstance(command, discord.app_commands.Command):
            names.update(p.display_name for p in command.parameters)
    return names


def option_syntax(text: str, options: Iterable[str] = ()) -> tuple[str, ...]:
    """Slash-command option syntax in ``text``: ``name:value`` with nothing between (``reset:True``,
    ``check_in:1``), or any ``name:`` inside a code span (`` `/profile recaps: False` ``), where
    ``name`` is one of copbot's option names or a snake_case key. Ordinary English labels ("Next
    meeting: Thursday", "your role: Patient") are not option syntax."""
    names = sorted({*options}, key=len, reverse=True)
    key = r"(?:" + "|".join([*map(re.escape, names), r"[a-z]+(?:_[a-z]+)+"]) + r")"
    found = [m.group(0) for m in re.finditer(rf"(?<![\w/.:-]){key}:(?=[^\s/])", text)]
    for span in re.findall(r"`([^`]+)`", text):
        found += [m.group(0) for m in re.finditer(rf"(?<![\w/.-]){key}:", span) if m.group(0) not in found]
    return tuple(dict.fromkeys(found))


def measure(text: str, options: Iterable[str] = ()) -> Measure:
    """Words, grade (for texts of MIN_GRADED_WORDS words or more), option syntax and "#N" numbers of
    one text as its reader sees it (already rendered by :meth:`TextRecorder.render`)."""
    reading = for_reading(text)
    words = textstat.lexicon_count(reading)
    grade = textstat.flesch_kincaid_grade(reading) if words >= MIN_GRADED_WORDS else None
    long_words: tuple[str, ...] = ()
    if grade is None:
        long_words = tuple(
            w for w in textstat.remove_punctuation(reading).split() if textstat.syllable_count(w) >= LONG_WORD_SYLLABLES
        )
    found = option_syntax(text, options)
    return Measure(words, grade, found, tuple(_NUMBER.findall(text)), long_words)


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (0–1) by linear interpolation between closest ranks."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Summary:
    """The figures of one audience's texts (each distinct text once)."""

    texts: int
    graded: int
    median_grade: float
    p90_grade: float
    max_words: int
    option_syntax: int  # texts with name:value syntax
    numbers: int  # texts with "#N"
    raw_links: int
    images_without_description: int
    anonymously: int  # texts saying "anonymous(ly)" rather than "without your name"
    rows: list[tuple[Shown, Measure]] = field(default_factory=list)


def summarise(shown: list[Shown], options: Iterable[str] = ()) -> Summary:
    options = list(options)
    rows = [(s, measure(s.body, options)) for s in shown]
    label_hits = [measure(label, options) for s in shown for label in s.labels]
    grades = [m.grade for _, m in rows if m.grade is not None]
    return Summary(
        texts=len(rows),
        graded=len(grades),
        median_grade=round(statistics.median(grades), 1) if grades else 0.0,
        p90_grade=round(percentile(grades, 0.9), 1),
        max_words=max((m.words for _, m in rows), default=0),
        option_syntax=sum(1 for _, m in rows if m.option_syntax) + sum(1 for m in label_hits if m.option_syntax),
        numbers=sum(1 for _, m in rows if m.numbers),
        raw_links=sum(s.raw_links for s, _ in rows),
        images_without_description=sum(1 for s, _ in rows for _, d in s.images if _is_image_name(_) and not d),
        anonymously=sum(1 for s, _ in rows if re.search(r"\banonymous", " ".join((s.body, *s.labels)), re.IGNORECASE)),
        rows=rows,
    )


def _is_image_name(name: str) -> bool:
    return name.lower().endswith((".png", ".jpg", ".jpeg", ".gif", ".webp"))


def worst_table(rows: list[tuple[Shown, Measure]], *, limit: int = 10) -> str:
    """A table of the hardest texts (by grade, then by words), for a developer to see what to fix."""
    ranked = sorted(rows, key=lambda r: (r[1].grade if r[1].grade is not None else -99, r[1].words), reverse=True)
    lines = ["| grade | words | step | where | text |", "|---|---|---|---|---|"]
    for shown, m in ranked[:limit]:
        grade = f"{m.grade:.1f}" if m.grade is not None else "-"
        snippet = " ".join(shown.body.split())
        snippet = snippet if len(snippet) <= 160 else snippet[:157] + "..."
        lines.append(f"| {grade} | {m.words} | {shown.step} | {shown.where} | {snippet.replace('|', '/')} |")
    return "\n".join(lines)


def full_report(rows: list[tuple[Shown, Measure]]) -> str:
    """Every text with its measures, in the order shown (written beside the test for reading)."""
    out = []
    for shown, m in rows:
        grade = f"{m.grade:.1f}" if m.grade is not None else "-"
        flags = []
        if m.option_syntax:
            flags.append("options: " + ", ".join(m.option_syntax))
        if m.numbers:
            flags.append("numbers: " + ", ".join(m.numbers))
        if m.long_words:
            flags.append("long words: " + ", ".join(m.long_words))
        out.append(
            f"## [{shown.audience}] {shown.step} | {shown.kind} | {shown.where} | grade {grade} | {m.words} words"
        )
        if flags:
            out.append("; ".join(flags))
        out.append(shown.body)
        if shown.labels:
            out.append("labels: " + " | ".join(shown.labels))
        out.append("")
    return "\n".join(out)


# -- facilitator-only buttons on member posts ------------------------------------------------------------


class ButtonProbe:
    """Presses, as a plain member, each kind of button on the posts members can see, once per kind.

    A button a member cannot use answers with a refusal; ``is_refusal`` recognises copbot's
    facilitator-only refusal sentences. Private replies and DMs are not probed: their buttons are
    their reader's own (a member's "Delete everything" must not be pressed by a test's sweep).
    Call :meth:`sweep` at moments in a scenario when such posts are on screen (a speaking round
    under way, a question just asked), as a member would see them.
    """

    def __init__(self, member: Any, recorder: TextRecorder, is_refusal: Callable[[str], bool]) -> None:
        self.member = member
        self.recorder = recorder
        self.is_refusal = is_refusal
        self.pressed: dict[str, str] = {}  # kind -> the reply's text
        self.refused: dict[str, str] = {}  # kind -> the button's label

    async def sweep(self, channels: Iterable[Any]) -> None:
        with self.recorder.during("button probe"):
            for channel in channels:
                for message in list(channel.history()):
                    for row in message.components:
                        for child in getattr(row, "children", ()):
                            await self._press(message, child)

    async def _press(self, message: Any, child: Any) -> None:
        custom_id = getattr(child, "custom_id", None)
        if custom_id is None or getattr(child, "disabled", False) or getattr(child, "url", None):
            return
        if not isinstance(child, discord.Button):
            return
        button = Button(child.label or "", custom_id, None)
        if button.kind in self.pressed:
            return
        try:
            result = await self.member.click(message, custom_id=custom_id)
        except Exception as error:  # a button SimCord will not press (gone, or not visible): nothing shown
            self.pressed[button.kind] = f"(not pressed: {error})"
            return
        reply = result.response
        texts = [reply.content] if reply is not None else []
        texts += [f.content for f in getattr(result, "followups", ())]
        self.pressed[button.kind] = " ".join(t for t in texts if t)
        if any(self.is_refusal(t) for t in texts if t):
            self.refused[button.kind] = button.label
