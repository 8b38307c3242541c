"""Anonymous questions: the rules that do not need Discord.

* :mod:`bot.questions.text` checks what a member typed and makes it safe to show (no pings, no
  broken layout), reversibly, so a preview can be read back exactly.
* :mod:`bot.questions.anonymity` holds the in-memory, secret-keyed identity keys, the rate limiter
  and the mute list: the only places an asker is ever "known", and only as an irreversible hash.
* :mod:`bot.questions.export` turns stored questions into a CSV for facilitators.
"""
