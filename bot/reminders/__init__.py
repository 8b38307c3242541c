"""Reminders: which reminder is due when (``policy``), a server's own rules in plain words (``rules``),
and the service that sends them (``service``)."""
