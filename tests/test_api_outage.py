"""Issue 13: PostgreSQL stopped while an API request is inside its transaction. The reply is 503 with
nothing stored, health says the database is unavailable, and once PostgreSQL is back the same request
(same Idempotency-Key) is stored whole.

The shared PostgreSQL server is never stopped: the test starts a private instance (initdb into a
temporary folder, as the postgres OS user when run as root) on a free port and stops that one.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.apiworld import make_world
from tests.serverhelpers import _free_port, running_server

pytestmark = pytest.mark.slow


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail(f"PostgreSQL's {name} is not installed under /usr/lib/postgresql/*/bin")
    return found[-1]


class PrivatePostgres:
    """A PostgreSQL instance of this test alone: started, stopped and restarted at will."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="rectify-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:  # initdb refuses root: the folder goes to the postgres user
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            _bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start"
        )

    def stop(self) -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        )

    def remove(self) -> None:
        subprocess.run(
            [
                *(["runuser", "-u", "postgres", "--"] if self.as_root else []),
                _bin("pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    server.start()
    yield server
    server.remove()


def _stored(server: PrivatePostgres) -> int:
    with server.connect() as conn:
        return int(conn.execute("SELECT count(*) FROM feedback").fetchone()[0])  # type: ignore[index]


def test_postgresql_stopped_during_a_request_stores_nothing_and_recovers(private_pg, tmp_path):
    world = make_world(private_pg.url)
    body = {"items": [{"text": f"outage item {i}", "external_id": f"o-{i}"} for i in range(200)]}
    headers = {"Authorization": f"Bearer {world.feedback_key}", "Idempotency-Key": "outage-1"}
    env = {"DATABASE_URL": private_pg.url, "RECTIFY_LOCK_WAIT_S": "60"}
    with running_server(tmp_path, env) as url:
        assert httpx.get(f"{url}/api/v1/health", timeout=30).status_code == 200
        # Another session locks the feedback table, so the request waits inside its transaction.
        blocker = private_pg.connect()
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE feedback IN EXCLUSIVE MODE")
        replies: list[httpx.Response] = []
        sender = threading.Thread(
            target=lambda: replies.append(
                httpx.post(f"{url}/api/v1/feedback", json=body, headers=headers, timeout=120)
            )
        )
        sender.start()
        deadline = time.monotonic() + 60
        with private_pg.connect() as watcher:
            while not watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO feedback%'"
            ).fetchone()[0]:  # type: ignore[index]
                assert time.monotonic() < deadline, "the request never reached its insert"
                time.sleep(0.1)
        private_pg.stop()  # mid-request: the transaction dies with the server
        sender.join(timeout=120)
        blocker.close()
        assert replies and replies[0].status_code == 503, replies[0].text if replies else "no reply"
        assert replies[0].json()["code"] == "database_unavailable"
        down = httpx.get(f"{url}/api/v1/health", timeout=30)
        assert down.status_code == 503 and down.json()["database"] == "unavailable"
        while_down = httpx.post(f"{url}/api/v1/feedback", json=body, headers=headers, timeout=60)
        assert while_down.status_code == 503

        private_pg.start()
        assert _stored(private_pg) == 0  # nothing half-written
        assert httpx.get(f"{url}/api/v1/health", timeout=30).status_code == 200
        again = httpx.post(f"{url}/api/v1/feedback", json=body, headers=headers, timeout=60)
        assert again.status_code == 200, again.text
        assert again.json() == {"stored": 200, "duplicates": 0, "rejected": []}
        assert _stored(private_pg) == 200
