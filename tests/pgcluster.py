"""A throwaway PostgreSQL cluster for the tests: initdb into a temporary folder, a unix socket only.

Shared per test session (per xdist worker), one fresh database per test. When CI has already started
a cluster it exports ``COPBOT_TEST_POSTGRES_URL`` (a maintenance URL such as
``postgresql://postgres@/postgres?host=/tmp/x``) and that one is used instead.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` (or ``nobody``)
account through ``setpriv``. Without PostgreSQL binaries, tests that need it are skipped with a reason,
unless ``COPBOT_REQUIRE_POSTGRES=1`` (CI), which makes a missing PostgreSQL a failure.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlparse


def find_bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or ``None`` if PostgreSQL is not installed."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(os.path.realpath(found)).parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def _run_as() -> list[str]:
    """Prefix that drops root for PostgreSQL's commands (empty when not root)."""
    if os.geteuid() != 0:
        return []
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups", "--"]
    raise RuntimeError("PostgreSQL will not run as root and there is no postgres or nobody account")


@dataclass
class Cluster:
    """A running cluster; :meth:`new_database` gives each test its own database."""

    admin_url: str
    socket_dir: str
    user: str
    folder: str | None = None
    bin_dir: Path | None = None

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@/{database}?host={quote(self.socket_dir)}"

    async def new_database(self) -> str:
        import asyncpg

        name = "t_" + uuid.uuid4().hex[:16]
        conn = await asyncpg.connect(self.admin_url)
        try:
            with databases_held(self.admin_url):
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.url(name)

    async def drop_database(self, url: str) -> None:
        import asyncpg

        name = url.split("/")[3].split("?")[0]
        conn = await asyncpg.connect(self.admin_url)
        try:
            with databases_held(self.admin_url):
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    def stop(self) -> None:
        if self.folder is None or self.bin_dir is None:
            return
        subprocess.run(
            [*_run_as(), str(self.bin_dir / "pg_ctl"), "-D", f"{self.folder}/data", "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster() -> Cluster:
    """Start a new cluster in a temporary folder (raises ``FileNotFoundError`` without PostgreSQL)."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("no PostgreSQL binaries (initdb, pg_ctl) on this machine")
    folder = tempfile.mkdtemp(prefix="copbot-pg-")
    os.chmod(folder, 0o777)
    prefix = _run_as()
    user = "postgres"
    data = f"{folder}/data"
    subprocess.run(
        [*prefix, str(bin_dir / "initdb"), "-D", data, "-U", user, "-A", "trust", "--no-sync", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    options = (
        f"-k {folder} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        "-c max_connections=200 -c shared_buffers=32MB"
    )
    subprocess.run(
        [*prefix, str(bin_dir / "pg_ctl"), "-D", data, "-o", options, "-l", f"{folder}/log", "-w", "start"],
        check=True,
        capture_output=True,
    )
    cluster = Cluster(admin_url="", socket_dir=folder, user=user, folder=folder, bin_dir=bin_dir)
    cluster.admin_url = cluster.url("postgres")
    return cluster


@contextmanager
def databases_held(url: str) -> Iterator[None]:
    """While held, no test (in any xdist worker) creates or drops a database on the server ``url`` is on.

    While a database is being created or dropped anywhere on a PostgreSQL server, ``VACUUM FULL`` in every
    other database keeps the rows deleted just before it as "recently dead" (measured on PostgreSQL 15:
    ordinary transactions in other databases do not do this). The fixtures create and drop a database
    per test, so a test that checks what a vacuum removed holds this around it; the fixtures hold it
    for each ``CREATE DATABASE`` and ``DROP DATABASE``. A lock file in the server's socket folder,
    which every worker sharing the server sees.
    """
    import fcntl  # here, not at the top: the module is imported on systems without fcntl too

    host = unquote(parse_qs(urlparse(url).query).get("host", [""])[0])
    with open(Path(host or tempfile.gettempdir()) / ".copbot-test-databases.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def snapshot_elsewhere(url: str) -> tuple[Any, Any]:
    """Another connection to ``url`` with a transaction open, which could still see rows deleted after
    it began: returns the connection and its transaction (roll back, then close, to end it)."""
    import asyncpg

    other = await asyncpg.connect(url)
    reading = other.transaction(isolation="repeatable_read")
    await reading.start()
    await other.fetchval("SELECT 1")  # takes the snapshot; locks no table, so no rewrite waits on it
    return other, reading


def cluster_from_env() -> Cluster | None:
    """The cluster CI started, if it exported ``COPBOT_TEST_POSTGRES_URL``."""
    url = os.environ.get("COPBOT_TEST_POSTGRES_URL")
    if not url:
        return None
    parsed = urlparse(url)
    host = parse_qs(parsed.query).get("host", [""])[0]
    return Cluster(admin_url=url, socket_dir=unquote(host), user=parsed.username or "postgres")
