"""Reminders: which reminder is due when (``policy``) and the service that sends them (``service``)."""
