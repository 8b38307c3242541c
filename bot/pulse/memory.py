"""Who has answered an open check-in, and answers not yet written, held in memory only. No Discord.

One answer per member is enforced like "Me too" (:mod:`bot.questions.anonymity`): the member is
replaced at once by a keyed fingerprint, ``HMAC(secret, "check-in" | server | check-in | member)``.
Each check-in has a secret of its own, drawn at its first answer. The fingerprints are never stored
anywhere, not even in the database: they live in this object until the check-in closes, and then the
secret is wiped (overwritten) and the fingerprints and any answer still waiting are dropped. So a
memory dump taken after a check-in closed holds nothing that names who answered it.

While a check-in is open, its secret and fingerprints are in memory, and anyone who can read the
process's memory could tell who has answered so far (one answer each needs exactly that). The
fingerprints and the waiting answers are kept apart (a set and a list): nothing in memory links a
fingerprint to an answer. Waiting answers are handed out shuffled (:meth:`take`), for the batched
writes described in :mod:`bot.pulse.service`.

The trade-off on restart: a new process has an empty memory, so a member who had answered before
the restart could answer once more. The service caps answers at the number of people asked, so a
check-in can never hold more answers than people, whatever restarts happen.
"""

from __future__ import annotations

import secrets

from bot.errors import UserError
from bot.pulse.results import Answer
from bot.questions.anonymity import Secret

ALREADY_ANSWERED = (
    "Thank you, you have already answered this check-in. Each person answers once, so that every voice counts the same."
)


class PulseMemory:
    """Per open check-in: its secret, the fingerprints of members who answered, and answers waiting to be written."""

    def __init__(self) -> None:
        self._secrets: dict[int, Secret] = {}
        self._answered: dict[int, set[bytes]] = {}
        self._waiting: dict[int, list[Answer]] = {}

    def _key(self, guild_id: int, pulse_id: int, user_id: int) -> bytes:
        secret = self._secrets.get(pulse_id)
        if secret is None:
            secret = self._secrets[pulse_id] = Secret()
        return secret.key("check-in", guild_id, pulse_id, user_id)

    def has_answered(self, guild_id: int, pulse_id: int, user_id: int) -> bool:
        if pulse_id not in self._secrets:  # nobody has answered it in this process
            return False
        return self._key(guild_id, pulse_id, user_id) in self._answered.get(pulse_id, ())

    def record(self, guild_id: int, pulse_id: int, user_id: int, answer: Answer) -> None:
        """Note that the member answered and hold the answer; refuses (kindly) a second answer.

        Synchronous on purpose: the check and the record cannot be split by another submit.
        """
        key = self._key(guild_id, pulse_id, user_id)
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
        if answers:
            self._waiting.setdefault(pulse_id, []).extend(answers)

    def pulses_waiting(self) -> list[int]:
        return [pid for pid, answers in self._waiting.items() if answers]

    def forget(self, pulse_id: int) -> None:
        """The check-in has closed: wipe its secret, drop its fingerprints and anything still waiting."""
        secret = self._secrets.pop(pulse_id, None)
        if secret is not None:
            secret.wipe()
        self._answered.pop(pulse_id, None)
        self._waiting.pop(pulse_id, None)

    def secrets_held(self) -> int:
        """How many check-ins have a secret in memory now (for tests and diagnostics)."""
        return len(self._secrets)

    def __len__(self) -> int:
        """How many fingerprints are held in all (for tests)."""
        return sum(len(s) for s in self._answered.values())
