"""What copbot tells people about anonymity: every sentence, in one place. No Discord.

DESIGN.md ("Anonymity") says what copbot may claim and what it must not. May, because it is true:
copbot keeps nothing that ties a question, a vote or a check-in answer to a person (not in its
database, files, logs or messages). Must not: that the people who run copbot *could not* find out.
Discord tells every bot who pressed what, so whoever runs copbot could change it to record people as
they ask; and a direct message to copbot shows whoever runs it that, when and what someone typed.

Every message that speaks about anonymity (the question footer and confirmations, the DM reply, the
welcome DM, ``/help``, the check-in DM and its thanks, ``/privacy`` and ``PRIVACY.md``) takes its
sentences from here, word for word, and a test checks each anonymity sentence members can see against
:data:`SENTENCES` and against :data:`FORBIDDEN`. Written short and plain (reading age 9 to 11): the
footer of every question is one of them. The whole threat model, for readers who want it, is in
``PRIVACY.md`` (:mod:`bot.privacy.policy`).
"""

from __future__ import annotations

import re

#: The promise, everywhere it is made.
KEEPS_NOTHING = "copbot keeps nothing that links your question, vote or check-in answer to you."
#: The same promise where only a check-in answer is meant.
ANSWER_KEPT = "copbot keeps nothing that links your answer to you."
#: Where the promise holds (for /privacy and PRIVACY.md).
NOWHERE = "Not in its database, its files, its logs or its messages."
#: The limit every Discord bot has.
ANY_BOT = "Like any bot, copbot could be changed by whoever runs it to see who asks or answers."
TRUST = "So a group should pick someone it trusts to run copbot."
#: What a direct message shows.
DM_SEEN = "The person who runs copbot can see direct messages sent to it."
DM_WHAT = "They see that you wrote, when, and what you typed."
ASK_PRIVATELY = "To ask in private, use /ask in the server."
#: Under every question (an embed footer: short, no markdown).
NO_NAME = "Asked without a name."
NO_RECORD = "copbot keeps no record of who asked."
FOOTER = f"{NO_NAME} {NO_RECORD}"
#: Told to the asker once their question is posted (or waits for a check).
NOT_ON_IT = "Your name is not on it, and copbot keeps no record of who asked."
#: The question form's placeholder.
NAME_NOT_SHOWN = "Your name is not shown."
#: Told to a facilitator who mutes "whoever asked".
NOT_TOLD = "copbot does not tell anyone who they are."

#: The three-sentence version for /help, the welcome DM and the check-in DM.
SHORT = (KEEPS_NOTHING, ANY_BOT, TRUST)
#: What a direct message to copbot means, for the DM reply, the welcome DM and /help.
DIRECT_MESSAGES = (DM_SEEN, DM_WHAT, ASK_PRIVATELY)

#: Every sentence about anonymity copbot may show a member. Nothing else may make such a claim.
SENTENCES: frozenset[str] = frozenset(
    {
        KEEPS_NOTHING,
        ANSWER_KEPT,
        NOWHERE,
        ANY_BOT,
        TRUST,
        DM_SEEN,
        DM_WHAT,
        ASK_PRIVATELY,
        NO_NAME,
        NO_RECORD,
        NOT_ON_IT,
        NAME_NOT_SHOWN,
        NOT_TOLD,
    }
)

#: A sentence that speaks about who can know who asked, voted or answered: it must be one of
#: :data:`SENTENCES` when a member can see it.
ANONYMITY_CLAIM = re.compile(
    r"\bwho (asked|asks|answered|answers|voted)\b|\bkeeps? (nothing|no record)\b"
    r"|\bruns (copbot|it|me)\b[^.]*\b(see|sees|know|knows|find out|learn|record)\b"
    r"|\bnot even\b|\boperators?\b|\b(nobody|no one)\b[^.]*\b(see|find out|know|learn)s?\b",
    re.IGNORECASE,
)
#: Claims that are not true and must never be made, to members or in the documents.
FORBIDDEN = re.compile(
    r"\bnot even\b[^.]*\b(run|runs|operators?|host)\b"
    r"|\b(nobody|no one)\b[^.]*\b(can|could|will)\b[^.]*\b(see|find out|know|tell)\b[^.]*\bwho\b"
    r"|\b(nobody|no one)\b[^.]*\b(sees|knows)\b[^.]*\bwho\b"
    r"|\btruly anonymous"
    r"|\b(cannot|can't|can not) be turned back\b"
    r"|\boperators?\b[^.]*\b(cannot|can't|could not|couldn't)\b"
    r"|\bnobody will see\b",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    """``text`` as plain sentences: markdown marks, bullets and line breaks taken out."""
    plain = re.sub(r"[*_`>]|^\s*[•-]\s*", "", text, flags=re.MULTILINE)
    parts = re.split(r"(?<=[.!?])\s+|\n+", plain)
    return [p.strip() for p in parts if p.strip()]
