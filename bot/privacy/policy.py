"""The privacy notice, in plain words, generated from the registry and the configuration.

``/privacy`` shows :func:`summary` (short enough for one Discord message) and attaches the full
:func:`document`; ``PRIVACY.md`` in the repository is :func:`document` for the default configuration,
so the three never disagree (a test compares the file with the generated text). Regenerate it with::

    python -m bot.privacy.policy > PRIVACY.md      (or: copbot privacy-policy > PRIVACY.md)
"""

from __future__ import annotations

from bot.config import PrivacyConfig
from bot.privacy import promise
from bot.privacy.registry import NEVER_KEPT, TABLES, Table
from bot.storage.breakouts import HISTORY_MEETINGS

TITLE = "copbot's privacy notice"


def contact_sentence(privacy: PrivacyConfig) -> str:
    if privacy.contact:
        return f"To ask about your data, or to make a request, contact: {privacy.contact}."
    return (
        "To ask about your data, or to make a request, talk to a facilitator of your server; they will pass it "
        "to the person who runs copbot."
    )


def _rights(privacy: PrivacyConfig) -> list[str]:
    return [
        "**See your data**: `/mydata` shows everything copbot keeps about you in the server, with a file you can "
        "keep (JSON). Other people's ids are left out of it.",
        "**Be forgotten**: `/forget-me` deletes everything copbot keeps about you in the server, after you press "
        "a button to confirm. Tasks you were given stay for the group with no name on them, and whoever set them "
        "is told; tasks you set stay without your name.",
        "**Correct your data**: `/profile` changes your role at any time.",
        "**Ask someone**: a facilitator can do the same for you with `/members forget`, and the person who runs "
        "copbot can with `copbot forget` and `copbot export-user` (for requests by email). Requests are answered "
        "within a month, as UK GDPR requires.",
        "**Leave**: if you leave the server, copbot forgets you there after "
        f"{privacy.leaver_grace_days} days, unless you come back before then.",
        "**Complain**: if you are unhappy with how your data is handled, you can complain to the Information "
        "Commissioner's Office (ico.org.uk).",
    ]


def _anonymity() -> list[str]:
    """The promise and its limits, in the words every other message uses (:mod:`bot.privacy.promise`)."""
    return [
        f"{promise.KEEPS_NOTHING} {promise.NOWHERE}",
        f"{promise.ANY_BOT} {promise.TRUST}",
        f"{promise.DM_SEEN} {promise.DM_WHAT} {promise.ASK_PRIVATELY}",
        "Because questions carry no name, `/mydata` cannot show them and `/forget-me` cannot find them: nothing "
        "links them to you.",
        "A question that looks like it contains an NHS number, phone number, email address, postcode or date of "
        "birth is not posted or saved; you are asked to take the detail out first. Please don't share health "
        "details about yourself or anyone else.",
        "Check-in answers after a meeting (`/pulse`) carry no name and no time of their own, and are saved in "
        "shuffled batches so their order is not kept. Your role is saved with your answer only if you choose. "
        "Results by role are shown only for groups of several people, and a statement's numbers are not shown "
        "where everyone in a group gave the same score.",
    ]


def _threat_model() -> list[str]:
    """What the person who runs copbot can and cannot learn, and when: the whole story, for PRIVACY.md."""
    return [
        "**What copbot keeps.** Nothing that links a question, a vote or a check-in answer to a person: not in "
        "its database, its files, its logs or its messages. The database holds each question's text with no "
        "asker; each “Me too” as a fingerprint (a number made from your id with a secret that is never saved); "
        "and each check-in answer with no name, no time and no order. The list of people asked to answer a "
        "check-in is deleted when it closes. No log line, at any level, holds a member's id beside what they "
        "asked, voted or answered, or any value copbot writes to its database.",
        "**What copbot holds in memory for a while, and for how long.** To count one vote each, to pause a "
        "member who asks too often and to let a facilitator mute “whoever asked”, copbot holds some secrets and "
        "fingerprints in memory only. Someone who can read the memory of the running program (the person who "
        "runs copbot, or anyone with that access) could use them, with the database, while they exist:",
        "  - *“Me too”*: each server's vote secret lives from its first vote until the meeting ends (`/meeting "
        "end`), or 3 hours after the last vote (the mute window, `questions.mute_hours`), and never more than a "
        "day. While it lives, it shows who pressed “Me too” on the questions still open. Then it is overwritten "
        "and a new one is drawn: the votes already saved can no longer be linked to anyone, by anyone. The cost: "
        "if you press “Me too” again on a question you supported before the change, it counts a second time, "
        "and the first vote cannot be taken back (the same happens after copbot restarts).",
        "  - *Questions*: for the mute window (3 hours), copbot can tell that two questions came from the same "
        "person, and a memory reader could work out who asked the questions of that window. After it, the "
        "secret is overwritten and nothing is left.",
        "  - *Check-ins*: while a check-in is open (48 hours at most), copbot holds a secret for it, a "
        "fingerprint of each person who answered (so nobody answers twice) and answers not yet saved. A memory "
        "reader could tell who has answered so far, and by reading memory before and after an answer, what it "
        "was. When the check-in closes, its secret is overwritten and all of this is dropped.",
        "  - *Discord's own copy*: the library copbot uses keeps each button press and form (who pressed it, "
        "what they typed) until copbot has replied; copbot lets go of what you typed as soon as it has read it. "
        "Python does not wipe memory it no longer uses, so those bytes can stay in the program's memory until "
        "they are reused, usually within minutes on a busy server. A direct message also stays in the library's "
        "list of recent messages (the last 1,000).",
        "**A changed copy of copbot.** Discord tells every bot who pressed each button and who sent each form. "
        "Whoever runs copbot could change its code to write that down as it happens, as with any bot; nothing "
        "copbot does can stop that. So a community should pick someone it trusts to run copbot.",
        "**Direct messages.** Discord keeps your chat with copbot, and whoever holds copbot's token can read it: "
        "that you wrote, when, and what you typed. copbot never posts it or writes a question's text or number "
        "into a direct message, but even a “hello” can point to you if a question appears soon after it in a "
        "quiet meeting. `/ask` in the server is the private way.",
        "**What facilitators and other members see.** The questions, the “Me too” counts and, for facilitators, "
        "check-in results: no number from fewer than five answers (`pulse.min_group`), no statement's numbers "
        "where everyone in a group gave the same score, and results that never change once the check-in has "
        "closed. What no rule can stop: people in a group who tell each other what they answered can work out "
        "the answer of the one who did not.",
    ]


def _retention(privacy: PrivacyConfig) -> list[str]:
    days = privacy.retention_days
    return [
        f"Once a day, copbot deletes the text of answered or removed questions, finished or removed tasks, and "
        f"finished speaking rounds and breakout plans, who attended meetings, and the answers to check-ins "
        f"that closed, older than {days} days.",
        f"Breakout history (who was in a group with whom) is kept only for the last {HISTORY_MEETINGS} breakouts "
        "in each server, which is all the group planner looks at.",
        f"People who leave a server are forgotten there after {privacy.leaver_grace_days} days.",
    ]


def summary(privacy: PrivacyConfig) -> list[tuple[str, str]]:
    """Short sections for the ``/privacy`` reply (title, text); the attached document has the details."""
    return [
        (
            "What copbot keeps",
            "copbot keeps your Discord id (a number), never your name, with: your role in the group; tasks you "
            "do or set; meetings and icebreaker questions you added; the breakout groups and speaking rounds you "
            "were in; which meetings you attended and whether you turned recaps off; keep-apart rules; glossary "
            "words and changes to the aims you wrote (never shown with your name); "
            "and, if you leave, when you left. It keeps these so that meetings run "
            "well: to mix groups, remind people of tasks and carry on after a restart. It does not read "
            "messages in the server.",
        ),
        ("How long", "\n".join(f"• {line}" for line in _retention(privacy))),
        (
            "Who can see it",
            "Tasks, meetings and icebreaker questions are seen by everyone in the server; roles and keep-apart "
            "rules by facilitators; the rest only by copbot. The person who runs copbot can read its database.",
        ),
        ("Anonymous questions", "\n".join(f"• {line}" for line in _anonymity()[:4])),
        ("Your rights", "\n".join(f"• {line}" for line in _rights(privacy))),
        ("Contact", contact_sentence(privacy)),
    ]


def document(privacy: PrivacyConfig) -> str:
    """The full notice as Markdown: ``PRIVACY.md`` and the file attached to ``/privacy``."""
    out = [
        f"# {TITLE}",
        "",
        "copbot is a helper for a Community of Practice's meetings on Discord: icebreakers, anonymous questions, "
        "breakout groups, tasks and reminders. This notice says, in plain words, what it keeps about you, why, "
        "for how long, who can see it, and what you can do about it.",
        "",
        "copbot keeps your Discord id (a long number Discord gives every account), never your name or nickname. "
        "It does not read messages in the server. It is not a place for health information: please don't share "
        "any, and it stops anonymous questions that contain an NHS number or other personal details.",
        "",
        "## What copbot keeps, and why",
        "",
    ]
    for table in TABLES:
        if table.name == "schema_migrations":
            continue
        out += [
            f"### {table.title}",
            "",
            f"- **What**: {table.what}.",
            f"- **Why**: {table.why}.",
            f"- **How long**: {table.kept}.",
            f"- **Who can see it**: {table.seen_by}.",
            f"- **About you**: {_about(table)}",
            "",
        ]
    out += ["## What copbot never keeps", ""]
    out += [f"- **{item.title}**: {item.what}." for item in NEVER_KEPT]
    out += [""]
    out += ["## How long copbot keeps things", ""]
    out += [f"- {line}" for line in _retention(privacy)]
    out += ["", "## Anonymous questions, votes and check-ins", ""]
    out += [f"- {line}" for line in _anonymity()]
    out += ["", "## What the person who runs copbot can and cannot learn, and when", ""]
    out += [line if line.startswith("  - ") else f"- {line}" for line in _threat_model()]
    out += ["", "## Your rights", ""]
    out += [f"- {line}" for line in _rights(privacy)]
    out += [
        "",
        "## Contact",
        "",
        contact_sentence(privacy),
        "",
        "*This notice is generated from copbot's own list of what it stores "
        "(`bot/privacy/registry.py`), so it stays true as copbot changes.*",
        "",
    ]
    return "\n".join(out)


def _about(table: Table) -> str:
    if not table.member_columns:
        return "nothing that identifies you."
    parts = []
    for column in table.member_columns:
        fate = {
            "delete": "it is deleted",
            "blank": "your id is removed and the rest stays for the community",
            "drop": "you are taken out and the rest stays",
        }[column.on_erase]
        parts.append(f"your id, as {column.meaning} (if you are forgotten: {fate})")
    return "; ".join(parts) + "."


def _main() -> None:
    from bot.config import load_config

    print(document(load_config({}).privacy), end="")


if __name__ == "__main__":
    _main()
