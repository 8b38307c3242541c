"""The /mydata summary and JSON file built from an export (no database needed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.privacy.registry import BY_NAME
from bot.privacy.service import MemberExport
from bot.storage.privacy import TableExport

NOW = datetime(2027, 6, 1, tzinfo=UTC)


def test_a_long_mydata_summary_is_cut_between_lines_and_points_to_the_file() -> None:
    tasks = tuple(
        {"number": i, "description": "x" * 300, "assignee_id": "you", "creator_id": "another member", "status": "open"}
        for i in range(5)
    )
    prompts = tuple({"number": 1001 + i, "text": "y" * 300} for i in range(5))
    export = MemberExport(
        1, 2, NOW, (TableExport(BY_NAME["tasks"], tasks), TableExport(BY_NAME["icebreaker_custom_prompts"], prompts))
    )
    text = export.summary()
    assert len(text) <= 1800 and text.endswith("… and more: the attached file has everything.")
    whole = export.summary(limit=100_000).splitlines()
    assert text.splitlines()[:-1] == whole[: len(text.splitlines()) - 1], "cut between whole lines"
    assert json.loads(export.as_json())["tables"]["icebreaker_custom_prompts"]["rows"][4]["number"] == 1005
