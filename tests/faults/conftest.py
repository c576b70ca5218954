"""Faults made for real: a PostgreSQL cluster of the test's own that it stops and starts, and
`sinyal run` whose children the tests SIGKILL.

The cluster is a throwaway one (``tests.support.postgres.ThrowawayPostgres``: ``initdb`` into
a temporary directory, ``pg_ctl`` on a free port), never the machine's shared PostgreSQL, which
other tests and sessions use.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.ports import free_port
from tests.support.postgres import ThrowawayPostgres, postgres_bin


@pytest.fixture(scope="module")
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    bin_dir = postgres_bin()
    if bin_dir is None:
        message = "PostgreSQL server binaries (pg_ctl, initdb) not found"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="sinyal-pg-", dir="/tmp"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = ThrowawayPostgres(bin_dir, root, free_port())
    cluster.init()
    try:
        yield cluster
    finally:
        cluster.destroy()
