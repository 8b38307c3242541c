"""The deployment files keep their promises: the image's health check is ``copbot health``, its base is
pinned by digest and its dependencies by version; compose does not restart for ever and keeps its logs
small; the licence pyproject names is there."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_the_image_is_healthy_only_while_the_bot_is_connected():
    [check] = re.findall(r"^HEALTHCHECK .*$", DOCKERFILE, flags=re.MULTILINE)
    assert check.endswith('CMD ["copbot", "health"]')


def test_the_base_image_is_pinned_by_digest_and_the_dependencies_by_version():
    [base] = re.findall(r"^ARG PYTHON_IMAGE=(.+)$", DOCKERFILE, flags=re.MULTILINE)
    assert re.fullmatch(r"python:3\.11-slim@sha256:[0-9a-f]{64}", base)
    assert all(
        line == "FROM ${PYTHON_IMAGE}" or line.startswith("FROM ${PYTHON_IMAGE} AS ")
        for line in re.findall(r"^FROM .*$", DOCKERFILE, flags=re.MULTILINE)
    )
    assert "--constraint /tmp/requirements.lock" in DOCKERFILE
    lock = {
        line.split("==")[0].lower().replace("_", "-").replace(".", "-"): line.split("==")[1]
        for line in (ROOT / "deploy" / "requirements.lock").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    assert all(version for version in lock.values())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in project["dependencies"]:
        name = re.split(r"[<>=!~\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-").replace(".", "-")
        assert name in lock, f"{name} is not pinned in deploy/requirements.lock: run bash deploy/lock-dependencies"


def test_compose_does_not_restart_for_ever_and_rotates_its_logs():
    for path in (ROOT / "compose.yaml", ROOT / "deploy" / "compose.sharded.yaml"):
        text = path.read_text(encoding="utf-8")
        copbot_part = text.split("\nservices:")[0] if "x-copbot" in text else text  # the database may restart
        assert "restart: unless-stopped" not in copbot_part and "restart: always" not in copbot_part, path
        assert re.search(r"restart: on-failure:\d+", text), path
        assert 'max-size: "10m"' in text and 'max-file: "3"' in text, path


def test_the_sharded_health_checks_name_their_shards():
    text = (ROOT / "deploy" / "compose.sharded.yaml").read_text(encoding="utf-8")
    for shards in ("0-1", "2-3"):
        assert f'["CMD", "copbot", "health", "--shard-count", "4", "--shards", "{shards}"]' in text


def test_the_licence_pyproject_names_is_there():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"  # an SPDX expression (PEP 639), shipped with the file it names
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
