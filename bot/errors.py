"""Errors that carry a sentence meant for the member, raised by domain code and storage.

Domain modules never import discord, so they cannot reply to anyone. Instead they raise a
:class:`UserError` whose message is one plain-language sentence; the cog (or the bot-wide error
handler) turns it into an ephemeral reply. That keeps the wording next to the rule it explains and
keeps cogs thin.
"""

from __future__ import annotations


class UserError(Exception):
    """Something the member asked for cannot be done; ``str(error)`` is the sentence to show them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(UserError):
    """The member named a task, question, meeting or prompt that does not exist here."""


class PermissionDeniedError(UserError):
    """The member may not do this (for example, change someone else's task)."""
