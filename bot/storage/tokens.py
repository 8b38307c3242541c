"""Random public tokens for buttons, so no button carries a row id that counts across every server.

A token is drawn once per row and stored with it (a unique column, migration 120). With 2**53 values,
two rows drawing the same token is not a practical concern; the unique index would refuse it rather
than let one button act on two rows.
"""

from __future__ import annotations

import secrets


def public_token() -> int:
    """A random positive integer (below 2**53, so any JSON reader keeps it exact)."""
    return secrets.randbelow(2**53 - 1) + 1
