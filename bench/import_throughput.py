"""Rows per second importing 100,000 customer-service records with redaction, into SQLite and PostgreSQL.

Usage: python -m bench.import_throughput [--rows 100000] [--repeat 3] [--pg-url URL] [--no-pg]

Each run builds a realistic CSV in memory (Chinese and English tickets, dates in mixed formats, some
personal data, some bad and repeated rows), then times the whole import as the import page does it:
read (encoding, CSV), check and redact every row, store the accepted rows in one transaction. Two
baselines run on the same rows in the same process: the same import with redaction switched off, and
pandas ``read_csv`` + ``to_sql`` of the raw columns (no checks, no redaction, no dedup). PostgreSQL
gets a scratch database that is dropped afterwards, as tests/conftest.py does.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import create_engine, func, make_url, select, text

import analytics.importing as importing
from analytics.pii import Redaction, redact
from db import migrate
from db.engine import make_engine, unit_of_work
from db.models import Feedback
from db.workspace import create_product, create_round
from services import feedback_import as import_service

PG_ADMIN_URL = os.environ.get("RECTIFY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

_ZH = (
    "回答太慢了，等了十几秒才出结果",
    "药量推荐错了，布洛芬的剂量明显不对",
    "语音输入识别不准确，经常把药名识别错",
    "客服态度很好，但是问题没有解决",
    "更新之后经常闪退，打不开历史记录",
    "给出的参考文献根本不存在",
    "界面太复杂了，老人家不会用",
    "能不能支持导出报告？每次都要截图",
    "回答很专业，帮了大忙，谢谢",
    "问同一个问题两次，答案完全不一样",
)
_EN = (
    "The answer about ibuprofen dosage was wrong",
    "App crashes on startup after the last update",
    "Too slow, it took 20 seconds to answer a simple question",
    "Voice input keeps mishearing drug names",
    "Great assistant, saved me a trip to the clinic",
    "It cited a study that does not exist",
    "Cannot find my chat history after logging in again",
    "The font is too small on my phone",
)
_PII = (
    "，请回电 138{:08d}",
    "，我的邮箱 user{}@example.com",
    "，我叫王小明，工号{}",
    " - call me at +1 415-555-{:04d}",
    " - my name is John Smith ({})",
    "，身份证 11010519491231002X，编号{}",
)
_DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S", "%Y年%m月%d日 %H:%M")
HEADER = ["工单号", "客户ID", "反馈内容", "创建时间", "满意度", "优先级", "客户端版本", "客户类型"]


def synthetic_rows(n: int, seed: int = 7) -> list[list[str]]:
    """`n` customer-service rows shaped like a real export: about 5 % carry personal data, 0.5 % are
    bad (empty text, a broken date, a rating of 7) and 0.5 % repeat an earlier row."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 1, 8, 0)
    rows: list[list[str]] = []
    for i in range(n):
        if rows and rng.random() < 0.005:
            rows.append(list(rows[rng.randrange(len(rows))]))
            continue
        body = rng.choice(_ZH) if rng.random() < 0.65 else rng.choice(_EN)
        body = f"{body}（第{i}次反馈）" if rng.random() < 0.5 else f"{body} #{i}"
        if rng.random() < 0.05:
            body += rng.choice(_PII).format(i % 10_000)
        if rng.random() < 0.002:
            body = "<script>alert('x')</script>" + body
        moment = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 200))
        when = moment.strftime(rng.choice(_DATE_FORMATS))
        rating = str(rng.randint(1, 5))
        bad = rng.random()
        if bad < 0.002:
            body = "   "
        elif bad < 0.004:
            when = "昨天下午"
        elif bad < 0.005:
            rating = "7"
        rows.append(
            [
                f"CS-2026-{i:07d}",
                f"C{rng.randrange(0, n // 3 + 1):07d}",
                body,
                when,
                rating,
                rng.choice(("P1", "P2", "P3", "高", "中", "低", "")),
                rng.choice(("3.2.0", "3.2.1", "3.3.0")),
                rng.choice(("个人", "企业", "VIP")),
            ]
        )
    return rows


def synthetic_csv(n: int, seed: int = 7, encoding: str = "utf-8-sig") -> bytes:
    """The rows of :func:`synthetic_rows` as a CSV file, with a byte-order mark as Excel writes it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(synthetic_rows(n, seed))
    return out.getvalue().encode(encoding)


Stage = tuple[float, float]  # (wall seconds, CPU seconds of this process)


@contextmanager
def _timed(stages: dict[str, Stage], name: str) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    stages[name] = (time.perf_counter() - wall, time.process_time() - cpu)


def import_file(
    url: str, data: bytes, *, now: datetime, redaction: bool = True
) -> tuple[dict[str, Stage], int]:
    """Import `data` into a fresh product on `url` as the page does; returns the stages' times and rows added."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product = create_product(session, f"Bench {time.time_ns()}", "medical")
        create_round(session, product.id, "Round 1")
        product_id = product.id
    stages: dict[str, Stage] = {}
    with _redaction(redaction):
        with _timed(stages, "read"):
            table = importing.read_table(data, "tickets.csv")
        with _timed(stages, "check+redact"):
            mapping = importing.guess_mapping(table.columns)
            prepared = importing.prepare(table, mapping, secret=b"bench secret", now=now)
    with _timed(stages, "store"), unit_of_work(engine) as session:
        result = import_service.import_file(
            session, prepared, product_id=product_id, channel="customer_service", actor="bench", file_name="x"
        )
    with unit_of_work(engine) as session:
        query = select(func.count()).select_from(Feedback).where(Feedback.product_id == product_id)
        assert session.scalar(query) == result.added, result
    engine.dispose()
    return stages, result.added


@contextmanager
def _redaction(enabled: bool) -> Iterator[None]:
    if enabled:
        yield
        return
    original = importing.redact
    importing.redact = lambda text, names=True: Redaction(text)  # type: ignore[assignment]
    try:
        yield
    finally:
        importing.redact = original  # type: ignore[assignment]


def pandas_to_sql(url: str, data: bytes) -> float:
    """Seconds for the naive import: pandas read_csv and to_sql of the raw columns into a new table."""
    engine = create_engine(url)
    began = time.perf_counter()
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    frame.to_sql("bench_raw_import", engine, if_exists="replace", index=False, chunksize=10_000)
    seconds = time.perf_counter() - began
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_raw_import"))
    engine.dispose()
    return seconds


_scratch = itertools.count()


@contextmanager
def scratch_pg(admin_url: str) -> Iterator[str]:
    """A new PostgreSQL database, dropped afterwards."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"rectify_bench_{os.getpid()}_{next(_scratch)}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _report(label: str, n: int, runs: list[tuple[dict[str, Stage], int]]) -> float:
    """Print the best and median run; the best run's stages and CPU time. Returns the best rate."""
    rates = sorted(n / sum(w for w, _ in stages.values()) for stages, _ in runs)
    best_stages, added = max(runs, key=lambda run: n / sum(w for w, _ in run[0].values()))
    cpu = sum(c for _, c in best_stages.values())
    parts = ", ".join(f"{k} {w:.2f} s" for k, (w, _) in best_stages.items())
    print(
        f"  {label:<28} best {rates[-1]:>7,.0f} rows/s, median {statistics.median(rates):>7,.0f}  "
        f"(best: {parts}; {added:,} stored; CPU of this process {cpu:.2f} s = {n / cpu:,.0f} rows/CPU-s)"
    )
    return rates[-1]


def run(rows: int, pg_admin_url: str | None, repeat: int = 3) -> dict[str, float]:
    """Run every measurement `repeat` times, each into a fresh database, and print it.

    Returns the best rows per second of each measurement. The name dictionary of the redaction is
    loaded before timing, as a running app has it loaded after its first import (about 1 s once).
    """
    data = synthetic_csv(rows)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    redact("我叫李明")  # warm up: jieba's dictionary
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{rows:,} rows, {len(data) / 1e6:.1f} MB CSV, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, load average {load} (other processes compete for the CPUs); "
        f"best and median of {repeat} runs"
    )
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        fresh = itertools.count()

        @contextmanager
        def sqlite_db() -> Iterator[str]:
            yield f"sqlite:///{Path(folder) / f'bench{next(fresh)}.db'}"

        targets: list[tuple[str, Callable[[], Any]]] = [("SQLite", sqlite_db)]
        if pg_admin_url:
            targets.append(("PostgreSQL", lambda: scratch_pg(pg_admin_url)))
        for name, database in targets:
            print(name)
            for label, redaction in (("import with redaction", True), ("baseline: without redaction", False)):
                runs = []
                for _ in range(repeat):
                    with database() as url:
                        runs.append(import_file(url, data, now=now, redaction=redaction))
                results[f"{name} {label}"] = _report(label, rows, runs)
            plain = []
            for _ in range(repeat):
                with database() as url:
                    plain.append(rows / pandas_to_sql(url, data))
            results[f"{name} pandas to_sql"] = max(plain)
            print(
                f"  {'baseline: pandas read_csv+to_sql':<28} best {max(plain):>7,.0f} rows/s, "
                f"median {statistics.median(plain):>7,.0f} (no checks, no redaction, no dedup, no indexes)"
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best and median shown)")
    parser.add_argument("--pg-url", default=PG_ADMIN_URL, help="an account that may create databases")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()
    run(args.rows, None if args.no_pg else args.pg_url, args.repeat)


if __name__ == "__main__":
    main()
