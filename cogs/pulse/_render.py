"""Words for the check-in: the DM, ``/pulse results`` and the notes to facilitators. Pure string work."""

from __future__ import annotations

from discord.utils import escape_markdown, format_dt

from bot.privacy import promise
from bot.pulse.chart import last_check_ins, point_text
from bot.pulse.results import SCORES, GroupResult, PulseResults
from bot.pulse.service import ClosedView, OpenView, pulse_name
from bot.questions.text import render_safe
from bot.storage.pulses import Pulse
from bot.text_limits import MESSAGE, chunk_lines, fit

#: Longest comment shown in a message (escaped); the attached file has every comment whole.
COMMENT_SHOWN = 600
#: Messages one ``/pulse results`` reply may take; further comments go in a file.
MAX_MESSAGES = 5


def title_of(pulse: Pulse, *, first: bool = False) -> str:
    return escape_markdown(pulse_name(pulse, first=first))


def invitation(pulse: Pulse, guild_name: str) -> str:
    """The one DM each person asked gets. Never edited afterwards, so it says nothing about whether
    or what they answered (an operator holding the bot's token can read DM chats)."""
    return (
        f"Thank you for coming to **{escape_markdown(pulse.title)}** in **{escape_markdown(guild_name)}**! "
        "How did it go for you? Press the button to answer three short questions. "
        f"It is open until {format_dt(pulse.closes_at, 'f')}.\n\n"
        f"{promise.ANSWER_KEPT} {promise.ANY_BOT} {promise.TRUST}"
    )


def fallback_post(pulse: Pulse, failed: int) -> str:
    people = "person" if failed == 1 else "people"
    return (
        f"The check-in after **{escape_markdown(pulse.title)}** is open until {format_dt(pulse.closes_at, 'f')}. "
        f"I couldn't send it by direct message to {failed} {people}. If you were at the meeting and got no "
        "message from me, press the button: it is anonymous, and only people who were there can answer."
    )


def sent_sentence(pulse: Pulse, sent: int, failed: int, posted_in: str | None) -> str:
    who = f"{sent} {'person' if sent == 1 else 'people'}"
    out = f"I sent {title_of(pulse)} to {who} who were there. It is open until {format_dt(pulse.closes_at, 'f')}"
    out += ", or until everyone has answered."
    if failed:
        if posted_in:
            out += f" {failed} could not get a direct message, so I posted a button for them in {posted_in}."
        else:
            out += f" {failed} could not get a direct message, and there is no meeting channel to post in."
    out += " See the results with `/pulse results` once it has closed."
    return out


def closed_note(pulse: Pulse, answered: int) -> str:
    return (
        f"{title_of(pulse, first=True)} has closed: {answered} of {pulse.invited} "
        f"{'person' if pulse.invited == 1 else 'people'} answered. See the results with "
        f"`/pulse results check_in:{pulse.number}`."
    )


#: Shown instead of a statement's numbers when a group answered it all alike (bot/pulse/results.py).
HELD_BACK = (
    "Not shown this time: everyone in one group gave the same score. Showing it would show each person's answer."
)


def _distribution(group: GroupResult, index: int) -> str:
    stats = group.statements[index]
    assert stats.mean is not None and stats.distribution is not None, "only shown statements are drawn"
    counts = " · ".join(f"{score}: {n}" for score, n in zip(SCORES, stats.distribution, strict=True))
    return f"average **{stats.mean:.1f}** (scores {counts})"


def open_text(view: OpenView) -> str:
    pulse = view.pulse
    return (
        f"**{title_of(pulse, first=True)}** is still open (it closes {format_dt(pulse.closes_at, 'R')}). "
        f"So far {view.answered} of {pulse.invited} {'person has' if pulse.invited == 1 else 'people have'} "
        "answered. The results appear once it closes: showing them while answers come in would let anyone "
        "work out one person's answer by comparing two views. `/pulse close` closes it now."
    )


def trend_lines(view: ClosedView) -> list[str]:
    """The trend chart as text, in the same reply, for whoever cannot see the image: one check-in a line."""
    if not any(point.means is not None for point in view.trend):
        return []  # no chart is attached
    lines = ["", f"**Averages at {last_check_ins(len(view.trend))}** (the chart shows the same)"]
    lines += [f"• {point_text(point).capitalize()}." for point in view.trend]
    return lines


def results_lines(view: ClosedView) -> list[str]:
    """The results as lines (split into messages by :func:`results_messages`)."""
    pulse, results = view.pulse, view.results
    lines = [
        f"**Results of {title_of(pulse)}** ({format_dt(pulse.opened_at, 'D')}): "
        f"{results.total} of {pulse.invited} {'person' if pulse.invited == 1 else 'people'} answered."
    ]
    if not results.shown:
        lines.append(
            f"Fewer than {results.min_group} people answered, so only the number is shown: with so few answers, "
            "an average could point to one person."
        )
        return lines + trend_lines(view)
    for index, stats in enumerate(results.everyone.statements if results.everyone else ()):
        lines.append("")
        lines.append(f"**{stats.words}** (1 = not at all, 5 = very much)")
        if not stats.shown:
            lines.append(HELD_BACK)
            continue
        for group in results.lines():
            lines.append(f"• {escape_markdown(group.name)} ({group.count}): {_distribution(group, index)}")
    lines.append("")
    lines.append(merge_note(results))
    lines += trend_lines(view)
    lines.append("")
    if results.comments:
        lines.append(f"**Comments** ({len(results.comments)}, in random order)")
        lines += [f"> {fit(render_safe(' '.join(c.split())), COMMENT_SHOWN)}" for c in results.comments]
    else:
        lines.append("**Comments**: none")
    return lines


def merge_note(results: PulseResults) -> str:
    """Why there are (or are no) lines by role, in plain words."""
    base = (
        f"A role gets its own line only when at least {results.min_group} answers share it; smaller groups are "
        "merged into “other roles”. Where everyone in a group gave the same score, that statement's numbers "
        "are not shown."
    )
    if not results.groups:
        return base + " This time no role was shared by enough people, so only everyone's results are shown."
    return base


def results_messages(view: OpenView | ClosedView) -> tuple[list[str], bool]:
    """The reply's messages, and whether some comments did not fit (they go in an attached file)."""
    if isinstance(view, OpenView):
        return [fit(open_text(view), MESSAGE)], False
    parts = chunk_lines(results_lines(view), MESSAGE - 100)
    if len(parts) <= MAX_MESSAGES:
        return parts, False
    kept = parts[:MAX_MESSAGES]
    kept[-1] = fit(kept[-1] + "\n… more comments are in the attached file.", MESSAGE)
    return kept, True


def comments_file(view: ClosedView) -> bytes:
    """Every comment, one paragraph each, in the same random order (a file pings nobody)."""
    return "\n\n".join(view.results.comments).encode()
