"""Items per second and latency of the HTTP API under 20 concurrent clients, on SQLite and PostgreSQL.

Usage: nice -n 10 python -m bench.api_throughput [--clients 20] [--pg-url URL] [--no-pg]

For each database the real server is started (`streamlit run server.py`, as the README says) on a
fresh database with one product and an API key per client. Then, with N concurrent httpx clients:

1. batches of 1 item and of 100 items to `POST /api/v1/feedback`: items/s over the whole phase,
   p50/p95 latency of a request;
2. replays: every client sends batches of 10 with an Idempotency-Key and sends a third of them again,
   one of those at the same moment as another client using the same API key; afterwards the rows are
   counted: zero lost, zero stored twice.

Baselines in the same run: `GET /api/v1/health` with the same clients (HTTP, threadpool and one
database round trip: the floor of any request), and the same 100-item batches stored in-process by
the same services, one after another, without HTTP (what the API adds on top of the import path).
The rate limit is raised for the run (RECTIFY_API_RATE_PER_MIN). PostgreSQL gets a scratch database,
dropped afterwards.
"""

from __future__ import annotations

import argparse
import itertools
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, make_url, select, text

from db import migrate
from db.engine import make_engine, unit_of_work
from db.models import Feedback
from db.settings import respondent_key_secret
from db.workspace import create_product, create_round
from services.api_keys import create_key
from services.feedback_import import check_items, store_items

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("RECTIFY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_TEXTS = (
    "回答太慢了，等了十几秒才出结果",
    "药量推荐错了，布洛芬的剂量明显不对，请回电13800138000",
    "The answer about ibuprofen dosage was wrong",
    "App crashes on startup after the last update, mail me at ann@example.com",
    "界面太复杂了，老人家不会用",
)
_counter = itertools.count()


def _items(tag: str, n: int) -> list[dict[str, Any]]:
    return [
        {
            "text": f"{_TEXTS[i % len(_TEXTS)]} ({tag}-{i})",
            "rating": 1 + i % 5,
            "respondent_key": f"cust-{i % 97}",
            "external_id": f"{tag}-{i}",
            "app_version": "2.3.1",
        }
        for i in range(n)
    ]


@contextmanager
def scratch_pg(admin_url: str) -> Iterator[str]:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"rectify_bench_api_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(db_url: str, clients: int) -> list[str]:
    """Migrate, add the product and one key per client; returns the keys."""
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        create_round(session, product.id, "Round 1")
        keys = [
            create_key(session, "MediAssist", ["feedback:write"], actor="bench").secret
            for _ in range(clients)
        ]
    engine.dispose()
    return keys


@contextmanager
def server(db_url: str, workdir: Path) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {**os.environ, "DATABASE_URL": db_url, "RECTIFY_API_RATE_PER_MIN": "1000000"}
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "server.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if urllib.request.urlopen(f"{url}/api/v1/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("the server did not start:\n" + (workdir / "server.log").read_text())
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_clients(
    clients: int, per_client: Callable[[int, httpx.Client, Callable[[float], None]], int]
) -> tuple[float, int, list[float]]:
    """Run `per_client(n, http, record)` in `clients` threads started together; (seconds, items, latencies)."""
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def record(seconds: float) -> None:
        with lock:
            latencies.append(seconds)

    def worker(n: int) -> int:
        with httpx.Client(timeout=120) as http:
            barrier.wait()
            return per_client(n, http, record)

    with ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(worker, n) for n in range(clients)]
        barrier.wait()
        start = time.perf_counter()
        items = sum(f.result() for f in futures)
        elapsed = time.perf_counter() - start
    return elapsed, items, latencies


def post_batches(url: str, keys: list[str], size: int, requests: int, phase: str) -> Callable[..., int]:
    def per_client(n: int, http: httpx.Client, record: Callable[[float], None]) -> int:
        sent = 0
        for r in range(requests):
            body = {"items": _items(f"{phase}-{n}-{r}", size)}
            started = time.perf_counter()
            reply = http.post(
                f"{url}/api/v1/feedback", json=body, headers={"Authorization": f"Bearer {keys[n]}"}
            )
            record(time.perf_counter() - started)
            if reply.status_code != 200 or reply.json()["stored"] != size:
                raise SystemExit(f"unexpected reply {reply.status_code}: {reply.text[:300]}")
            sent += size
        return sent

    return per_client


def health_checks(url: str, requests: int) -> Callable[..., int]:
    def per_client(n: int, http: httpx.Client, record: Callable[[float], None]) -> int:
        for _ in range(requests):
            started = time.perf_counter()
            assert http.get(f"{url}/api/v1/health").status_code == 200
            record(time.perf_counter() - started)
        return 0

    return per_client


def replays(url: str, keys: list[str], batches: int, lost: list[str]) -> Callable[..., int]:
    """Clients 2k and 2k+1 share a key and the same batches; each replays every third batch once more."""

    def per_client(n: int, http: httpx.Client, record: Callable[[float], None]) -> int:
        owner = n // 2
        for b in range(batches):
            body = {"items": [{"text": f"replay {owner} {b} {i}"} for i in range(10)]}
            headers = {"Authorization": f"Bearer {keys[owner]}", "Idempotency-Key": f"r-{owner}-{b}"}
            for _ in range(2 if b % 3 == 0 else 1):
                started = time.perf_counter()
                reply = http.post(f"{url}/api/v1/feedback", json=body, headers=headers)
                record(time.perf_counter() - started)
                if reply.status_code != 200 or reply.json() != {
                    "stored": 10,
                    "duplicates": 0,
                    "rejected": [],
                }:
                    lost.append(f"{reply.status_code} {reply.text[:200]}")
        return 0

    return per_client


def count_rows(db_url: str, like: str) -> tuple[int, int]:
    """(rows, distinct texts) whose text starts with `like`."""
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        where = Feedback.text.like(f"{like}%")
        rows = int(session.scalar(select(func.count()).where(where)) or 0)
        distinct = int(session.scalar(select(func.count(func.distinct(Feedback.text))).where(where)) or 0)
    engine.dispose()
    return rows, distinct


def in_process_baseline(db_url: str, batches: int) -> float:
    """Items/s storing 100-item batches through the same services, no HTTP, one after another."""
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        secret = respondent_key_secret(session)
    product_id = 1
    start = time.perf_counter()
    for b in range(batches):
        checked = check_items(
            _items(f"direct-{b}", 100), secret=secret, timezone="Asia/Shanghai", now=datetime.now(UTC)
        )
        with unit_of_work(engine) as session:
            stored, _ = store_items(session, product_id, checked)
            assert stored == 100
    elapsed = time.perf_counter() - start
    engine.dispose()
    return batches * 100 / elapsed


def bench(name: str, db_url: str, clients: int) -> None:
    keys = prepare(db_url, clients)
    with tempfile.TemporaryDirectory() as tmp, server(db_url, Path(tmp)) as url:
        print(f"\n{name}: {clients} concurrent clients, real server ({url})")
        seconds, _, lat = run_clients(clients, health_checks(url, 20))
        print(
            f"  baseline GET /api/v1/health      {len(lat) / seconds:8.0f} req/s   p50 {_pct(lat, 0.5) * 1000:6.1f} ms"
            f"   p95 {_pct(lat, 0.95) * 1000:6.1f} ms"
        )
        for size, requests in ((1, 30), (100, 4)):
            seconds, items, lat = run_clients(clients, post_batches(url, keys, size, requests, f"b{size}"))
            print(
                f"  POST feedback, batches of {size:>3}   {items / seconds:8.0f} items/s "
                f"p50 {_pct(lat, 0.5) * 1000:6.1f} ms   p95 {_pct(lat, 0.95) * 1000:6.1f} ms"
                f"   ({len(lat)} requests, {items} items)"
            )
        lost: list[str] = []
        batches = 9
        seconds, _, lat = run_clients(clients, replays(url, keys, batches, lost))
        rows, distinct = count_rows(db_url, "replay ")
        expected = (clients // 2) * batches * 10
        print(
            f"  replays: {len(lat)} requests ({len(lat) - (clients // 2) * batches} of them replays), "
            f"p50 {_pct(lat, 0.5) * 1000:.1f} ms; rows {rows}, expected {expected}: "
            f"lost {expected - distinct}, duplicated {rows - distinct}, refused replies {len(lost)}"
        )
    print(
        f"  baseline in-process services, 100-item batches, 1 thread: {in_process_baseline(db_url, 10):.0f} items/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--pg-url", default=PG_ADMIN_URL, help="an account that may create databases")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{Path(tmp) / 'rectify.db'}", args.clients)
    if not args.no_pg:
        with scratch_pg(args.pg_url) as url:
            bench("PostgreSQL", url, args.clients)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
