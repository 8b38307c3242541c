"""Storage: the SQLite database and one small repository module per aggregate.

Migration numbers are reserved per feature so that features can grow their schema independently:
001–009 foundation, 010–019 questions, 020–029 breakouts and grouping history, 030–039 tasks,
meetings and reminders, 040–049 icebreakers.
"""

from bot.storage.database import Database, SchemaTooNewError, Transaction

__all__ = ["Database", "SchemaTooNewError", "Transaction"]
