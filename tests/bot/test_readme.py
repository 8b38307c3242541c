"""The README and the documents in docs/ stand alone: no paths outside the repository, every file and
link they name exists, and the README stays a short front page that leads to each reader's document."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {path: path.read_text(encoding="utf-8") for path in sorted((ROOT / "docs").glob("*.md"))}
ALL = {ROOT / "README.md": README, **DOCS}

#: Markdown links to local files: ``[text](docs/hosting.md#anchor)``; web links and bare anchors are skipped.
LOCAL_LINK = re.compile(r"\]\((?!https?://|#|mailto:)([^)#\s]+)(?:#[^)\s]*)?\)")


def test_the_reader_documents_exist():
    assert {p.name for p in DOCS} >= {"hosting.md", "facilitators.md", "commands.md"}


def test_no_document_points_outside_the_repository():
    for path, text in ALL.items():
        assert "shared/" not in text, path.name
        for target in LOCAL_LINK.findall(text):
            resolved = (path.parent / target).resolve()
            assert resolved.is_relative_to(ROOT), f"{path.name} links outside the repository: {target}"
    assert "../" not in README


def test_every_local_link_leads_to_a_file_that_exists():
    broken = [
        f"{path.name}: {target}"
        for path, text in ALL.items()
        for target in LOCAL_LINK.findall(text)
        if not (path.parent / target).exists()
    ]
    assert broken == []


def test_every_repository_file_the_documents_name_exists():
    # Paths with a folder (``deploy/copbot.service``), plus the files at the top they tell people to use.
    named: set[str] = set()
    for text in ALL.values():
        named |= set(re.findall(r"`((?:[\w.-]+/)+[\w.-]+\.(?:py|toml|yaml|service|example|md))`", text))
    named |= {"Dockerfile", "compose.yaml", "CONTRIBUTING.md"}
    assert {"deploy/copbot.service", "deploy/copbot.env.example", "config/default.toml"} <= named
    assert sorted(n for n in named if not (ROOT / n).exists()) == []


def test_every_anchor_into_a_document_names_one_of_its_headings():
    def anchors(text: str) -> set[str]:
        headings = re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)
        return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}

    wrong = []
    for path, text in ALL.items():
        for target, anchor in re.findall(r"\]\((?!https?://)([^)#\s]*)#([^)\s]+)\)", text):
            linked = (path.parent / target) if target else path
            if anchor not in anchors(linked.read_text(encoding="utf-8")):
                wrong.append(f"{path.name}: {target}#{anchor}")
    assert wrong == []


def test_readme_is_a_front_page_that_leads_to_every_document():
    assert len(README.split()) < 1500
    for name in ("docs/hosting.md", "docs/facilitators.md", "docs/commands.md", "PRIVACY.md", "CONTRIBUTING.md"):
        assert f"]({name})" in README, name
    assert "Linux" in README and "macOS" in README and "Windows" in README


def test_readme_says_which_python_and_keeps_the_token_off_the_command_line():
    assert "Python 3.11 or newer" in README
    assert "DISCORD_TOKEN=your-token copbot run" not in README
    # `copbot run` asks for the token at a hidden prompt, which works in every shell; a shell's own
    # prompt does not (bash's `read -rsp` fails in zsh, macOS's default shell).
    assert "read -rsp" not in README
    assert "asks for the token" in README
    assert "```powershell\n" in README


def test_the_readme_gives_the_two_quick_start_commands():
    blocks = re.findall(r"```(?:bash|powershell)\n(.*?)```", README, flags=re.DOTALL)
    assert any(b.rstrip().endswith("copbot run") for b in blocks)
    assert any(b.rstrip().endswith("pytest") for b in blocks)


def test_documents_never_claim_that_the_people_who_run_copbot_could_not_find_out():
    for path, text in ALL.items():
        flat = " ".join(text.split()).lower()
        assert "not even the person who runs" not in flat, path.name
        assert "nobody can find out who asked" not in flat, path.name
