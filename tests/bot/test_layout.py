"""The layout rules from CONTRIBUTING.md, checked so they stay true as the code grows."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The only modules in bot/ allowed to import discord: they build and start the Discord application.
DISCORD_ADAPTERS = {ROOT / "bot" / "app.py", ROOT / "bot" / "cli.py"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_modules_never_import_discord():
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "bot").rglob("*.py"))
        if path not in DISCORD_ADAPTERS and "discord" in _imports(path)
    ]
    assert offenders == []


def test_no_sql_in_cogs():
    keywords = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM")
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "cogs").rglob("*.py"))
        if any(k in path.read_text(encoding="utf-8") for k in keywords)
    ]
    assert offenders == []


def test_storage_plans_no_reminders():
    """Storage stores; the service decides (issue 26): no storage module calls the reminder planner."""
    offenders = []
    for path in sorted((ROOT / "bot" / "storage").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot.reminders"):
                planners = [a.name for a in node.names if a.name.startswith(("plan_", "replan_"))]
                offenders += [f"{path.relative_to(ROOT)}: {name}" for name in planners]
    assert offenders == []
