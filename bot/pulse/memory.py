"""Who has answered an open check-in, and answers not yet written, held in memory only. No Discord.

One answer per member is enforced like "Me too" (:mod:`bot.questions.anonymity`): the member is
replaced at once by a keyed fingerprint, ``HMAC(secret, "check-in" | server | check-in | member)``
(:meth:`AnonymityKeys.check_in`). Unlike votes, these fingerprints are never stored anywhere, not
even in the database: they live in this object until the check-in closes, then are dropped; when no
open check-in is held any more, the secrets are replaced, so old fingerprints cannot be recomputed.

The fingerprints and the waiting answers are kept apart (a set and a list): nothing in memory links
a fingerprint to an answer. Waiting answers are handed out shuffled (:meth:`take`), for the batched
writes described in :mod:`bot.pulse.service`.

The trade-off on restart: a new process has new secrets and an empty memory, so a member who had
answered before the restart could answer once more. The service caps answers at the number of
people asked, so a check-in can never hold more answers than people, whatever restarts happen.
"""

from __future__ import annotations

import secrets

from bot.errors import UserError
from bot.pulse.results import Answer
from bot.questions.anonymity import AnonymityKeys

ALREADY_ANSWERED = (
    "Thank you, you have already answered this check-in. Each person answers once, so that every voice counts the same."
)


class PulseMemory:
    """Fingerprints of members who answered, and answers waiting to be written, per open check-in."""

    def __init__(self) -> None:
        self.keys = AnonymityKeys()
        self._answered: dict[int, set[bytes]] = {}
        self._waiting: dict[int, list[Answer]] = {}

    def has_answered(self, guild_id: int, pulse_id: int, user_id: int) -> bool:
        return self.keys.check_in(guild_id, pulse_id, user_id) in self._answered.get(pulse_id, ())

    def record(self, guild_id: int, pulse_id: int, user_id: int, answer: Answer) -> None:
        """Note that the member answered and hold the answer; refuses (kindly) a second answer.

        Synchronous on purpose: the check and the record cannot be split by another submit.
        """
        key = self.keys.check_in(guild_id, pulse_id, user_id)
        seen = self._answered.setdefault(pulse_id, set())
        if key in seen:
            raise UserError(ALREADY_ANSWERED)
        seen.add(key)
        self._waiting.setdefault(pulse_id, []).append(answer)

    def waiting(self, pulse_id: int) -> int:
        """How many answers to this check-in are held, not yet written."""
        return len(self._waiting.get(pulse_id, ()))

    def take(self, pulse_id: int) -> list[Answer]:
        """Every waiting answer of the check-in, in a random order, and forget them here."""
        taken = self._waiting.pop(pulse_id, [])
        secrets.SystemRandom().shuffle(taken)
        return taken

    def put_back(self, pulse_id: int, answers: list[Answer]) -> None:
        """Answers whose write failed wait again for the next one."""
        self._waiting.setdefault(pulse_id, []).extend(answers)

    def pulses_waiting(self) -> list[int]:
        return [pid for pid, answers in self._waiting.items() if answers]

    def forget(self, pulse_id: int) -> None:
        """The check-in has closed: drop its fingerprints (and new secrets once nothing is held)."""
        self._answered.pop(pulse_id, None)
        self._waiting.pop(pulse_id, None)
        if not self._answered and not self._waiting:
            self.keys = AnonymityKeys()

    def __len__(self) -> int:
        """How many fingerprints are held in all (for tests)."""
        return sum(len(s) for s in self._answered.values())
