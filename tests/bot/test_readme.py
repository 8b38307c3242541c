"""The README stands alone: no paths outside the repository, and every file it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_points_nowhere_outside_the_repository():
    assert "../" not in README
    assert "shared/" not in README


def test_every_repository_file_the_readme_names_exists():
    # Paths with a folder (``deploy/copbot.service``), plus the files at the top it tells people to use.
    named = set(re.findall(r"`((?:[\w.-]+/)+[\w.-]+\.(?:py|toml|yaml|service|example|md))`", README))
    named |= {"Dockerfile", "compose.yaml", "CONTRIBUTING.md"}
    assert {"deploy/copbot.service", "deploy/copbot.env.example", "config/default.toml"} <= named
    assert sorted(n for n in named if not (ROOT / n).exists()) == []


def test_readme_says_which_python_and_keeps_the_token_off_the_command_line():
    assert "Python 3.11 or newer" in README
    assert "DISCORD_TOKEN=your-token copbot run" not in README
    assert "read -rsp" in README
