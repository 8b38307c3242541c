"""The privacy notice, in plain words, generated from the registry and the configuration.

``/privacy`` shows :func:`summary` (short enough for one Discord message) and attaches the full
:func:`document`; ``PRIVACY.md`` in the repository is :func:`document` for the default configuration,
so the three never disagree (a test compares the file with the generated text). Regenerate it with::

    python -m bot.privacy.policy > PRIVACY.md      (or: copbot privacy-policy > PRIVACY.md)
"""

from __future__ import annotations

from bot.config import PrivacyConfig
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
    return [
        "copbot never writes down who asked an anonymous question: not in its database, its logs or any message. "
        "Nobody can find out who asked: not other members, not facilitators, and not the person who runs copbot.",
        "“Me too” votes are kept as keyed fingerprints, not as ids; they cannot be turned back into your id, even "
        "by the person who runs copbot. Limits on how often you can ask are kept in memory only and end when "
        "copbot restarts.",
        "Because questions carry no name, `/mydata` cannot show them and `/forget-me` cannot find them: nothing "
        "links them to you.",
        "A question that looks like it contains an NHS number, phone number, email address, postcode or date of "
        "birth is not posted or saved; you are asked to take the detail out first. Please don't share health "
        "details about yourself or anyone else.",
        "Check-in answers after a meeting (`/pulse`) carry no name and no time of their own, and are saved in "
        "shuffled batches so not even their order is kept. Whether you answered is held in memory only, as a "
        "keyed fingerprint, until the check-in closes. Your role is saved with your answer only if you choose, and "
        "results by role are shown only for groups of several people.",
        "Discord keeps direct messages: a message you type to copbot stays in your chat with it until you delete it.",
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
        ("Anonymous questions", "\n".join(f"• {line}" for line in _anonymity()[:2] + _anonymity()[3:4])),
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
    out += ["", "## Anonymous questions", ""]
    out += [f"- {line}" for line in _anonymity()]
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
