"""Seeding one row per member-id column, generically from the live schema (for the completeness tests).

For every column the registry declares as holding a member id, :func:`seed_every_member_column`
inserts one row whose that column holds ``user_id`` (in the declared JSON shape for JSON columns)
and whose other columns get plain values of their type. CHECK and foreign-key constraints are
switched off for the seeding only, so any table a future migration adds can be seeded the same way.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from bot.privacy.registry import MemberColumn, personal_tables
from bot.storage.database import Database
from bot.storage.privacy import schema_columns

STAMP = "2026-01-01T00:00:00+00:00"
#: Plain integers for the other columns, never repeated in one process (so seeding can be repeated).
_NUMBERS = itertools.count(1000)


def _json_value(column: MemberColumn, user_id: int) -> str:
    other = 4242
    return json.dumps(
        {
            "ids": [other, user_id],
            "id_groups": [[other, user_id], [other + 1]],
            "member_groups": [[{"id": user_id, "role": "gp", "facilitator": False}]],
            "id_pairs": [[user_id, "spoke"], [other, "passed"]],
        }[column.json or "ids"]
    )


async def seed_every_member_column(db: Database, guild_id: int, user_id: int) -> list[tuple[str, str]]:
    """Insert one row per declared member column; returns the (table, column) pairs seeded."""
    columns = await schema_columns(db)
    counter = _NUMBERS
    seeded: list[tuple[str, str]] = []
    await db.fetchall("PRAGMA foreign_keys = OFF")  # seeded rows point at made-up ids
    async with db.transaction() as tx:
        await tx.execute("PRAGMA ignore_check_constraints = ON")
        for table in personal_tables():
            live = [c for c in columns if c.table == table.name]
            for member in table.member_columns:
                values: dict[str, Any] = {}
                for column in live:
                    if column.name == member.name:
                        values[column.name] = _json_value(member, user_id) if member.json else user_id
                    elif column.name == "guild_id":
                        values[column.name] = guild_id
                    elif any(m.json and m.name == column.name for m in table.member_columns):
                        values[column.name] = "[]"
                    elif (
                        column.primary_key
                        and column.type.upper() == "INTEGER"
                        and sum(c.primary_key for c in live) == 1
                    ):
                        values[column.name] = None  # the row id: SQLite picks the next one
                    elif column.type.upper().startswith("INT"):
                        values[column.name] = next(counter)
                    elif column.name.endswith("_json") or column.name in ("outcomes", "speaker_order"):
                        values[column.name] = "[]"
                    elif column.type.upper() == "BLOB":
                        values[column.name] = b"x"
                    elif column.name.endswith("_at"):
                        values[column.name] = STAMP
                    else:  # other text: unique, so a table's UNIQUE text key (a glossary term) never clashes
                        values[column.name] = f"seeded {next(counter)}"
                names = ", ".join(values)
                marks = ", ".join("?" for _ in values)
                await tx.execute(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", list(values.values()))
                seeded.append((table.name, member.name))
        await tx.execute("PRAGMA ignore_check_constraints = OFF")
    await db.fetchall("PRAGMA foreign_keys = ON")
    return seeded
