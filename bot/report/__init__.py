"""The impact report (``/meeting report``, ``copbot report``): figures, summary, page and CSV. No Discord.

:mod:`bot.report.service` builds a report from the database; :mod:`bot.report.figures` computes what
it shows, :mod:`bot.report.summary` says it in plain words, :mod:`bot.report.page` and
:mod:`bot.report.csvfile` render it, and :mod:`bot.report.cli` is ``copbot report``.
"""
