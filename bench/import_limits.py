"""Peak memory and time of reading big and hostile import files, each in a fresh process.

Usage: python -m bench.import_limits [--rows 400000] [--huge-rows 1500000] [--bomb-mb 2000] [--timeout 120]
       [--max-mb 3000]

Files are generated in a temporary folder (never committed): a customer-service CSV of ``--rows``
rows (the rows of bench.import_throughput), one of ``--huge-rows`` rows (over the row limit), and a
zip-bomb XLSX: a real workbook whose sheet unpacks to ``--bomb-mb`` MB of the same row over and over,
a few MB on disk. Each measurement runs in a new Python process; the parent samples its peak resident
memory (VmHWM) and stops it after ``--timeout`` seconds or once it holds ``--max-mb`` MB (the
machine is shared). "held" is the memory still in use once the
step is done, with its results alive, as a page keeps them for the reruns that follow.

Baselines in the same run, on the same files:

* ``whole file``: the reading the import used before the limits, repeated here: the whole file
  decoded into one string, read through ``io.StringIO`` and every row kept, with no row limit.
* ``openpyxl direct``: the zip bomb opened by openpyxl without the check of its unpacked size, as
  the import did before (its time is cut at ``--timeout``).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analytics import importing
from bench.import_throughput import synthetic_csv


def _rss_mb(field: str = "VmRSS", pid: str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def zip_bomb_xlsx(unpacked_mb: int) -> bytes:
    """A valid workbook whose one sheet unpacks to about `unpacked_mb` MB of one repeated row."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["反馈内容", "评分"])
    book.active.append(["回答太慢", 3])
    buffer = io.BytesIO()
    book.save(buffer)
    sheet_path = "xl/worksheets/sheet1.xml"
    row = b'<row><c t="inlineStr"><is><t>' + b"A" * 200 + b"</t></is></c></row>"
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            if info.filename != sheet_path:
                bomb.writestr(info, source.read(info))
                continue
            head, _, tail = source.read(info).partition(b"<sheetData>")
            _, _, tail = tail.partition(b"</sheetData>")
            with bomb.open(sheet_path, "w", force_zip64=True) as sheet:
                sheet.write(head + b"<sheetData>")
                chunk = row * (1024 * 1024 // len(row))
                for _ in range(unpacked_mb):
                    sheet.write(chunk)
                sheet.write(b"</sheetData>" + tail)
    return out.getvalue()


# --- what a child process measures -----------------------------------------------------------------


def _whole_file(data: bytes, name: str) -> Any:
    """The reading before the limits: one string, StringIO, every row in a list."""
    text, _ = importing.decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=",")
    return [list(cells) for cells in reader]


def _read(data: bytes, name: str) -> Any:
    return importing.read_table(data, name)


def _read_and_check(data: bytes, name: str) -> Any:
    table = importing.read_table(data, name)
    prepared = importing.prepare(table, importing.guess_mapping(table.columns), secret=b"bench")
    return table, prepared


def _openpyxl_direct(data: bytes, name: str) -> Any:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    sheet.reset_dimensions()
    return [list(cells) for cells in sheet.iter_rows(values_only=True)]


STEPS: dict[str, Callable[[bytes, str], Any]] = {
    "whole_file": _whole_file,
    "read": _read,
    "read_check": _read_and_check,
    "openpyxl_direct": _openpyxl_direct,
}


def child(step: str, path: str) -> None:
    """Run one step on one file and print its outcome, time and held memory as JSON."""
    data = Path(path).read_bytes()
    before = _rss_mb()
    start = time.perf_counter()
    try:
        kept = STEPS[step](data, Path(path).name)
        outcome = "read"
    except importing.ImportProblem as problem:
        kept, outcome = None, f"refused: {problem.code} {problem.values}"
    seconds = time.perf_counter() - start
    held = _rss_mb() - before
    print(json.dumps({"seconds": seconds, "held_mb": held, "outcome": outcome}))
    del kept


def measure(step: str, path: Path, timeout: float, max_mb: float) -> dict[str, Any]:
    """`step` on `path` in a new process: its result, plus its peak memory sampled from outside."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.import_limits", "--child", step, str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    peak = 0.0
    while process.poll() is None:
        try:
            peak = max(peak, _rss_mb("VmHWM", str(process.pid)))
        except (FileNotFoundError, ProcessLookupError):
            break
        if time.perf_counter() - start > timeout or peak > max_mb:
            process.kill()
            process.wait()
            seconds = time.perf_counter() - start
            return {"seconds": seconds, "held_mb": float("nan"), "peak_mb": peak, "outcome": "stopped"}
        time.sleep(0.05)
    out, _ = process.communicate()
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = peak
    return result


def _show(label: str, result: dict[str, Any]) -> None:
    stopped = ">" if result["outcome"] == "stopped" else " "
    print(
        f"{label:<40} {stopped}{result['seconds']:7.1f} s  peak {result['peak_mb']:7.0f} MB  "
        f"held {result['held_mb']:6.0f} MB  {result['outcome']}",
        flush=True,
    )


def main() -> None:
    """Generate the files, measure every step on them and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--huge-rows", type=int, default=1_500_000)
    parser.add_argument("--bomb-mb", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--max-mb", type=float, default=3000)
    parser.add_argument("--child", nargs=2, metavar=("STEP", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        files = {
            "csv": Path(folder, "tickets.csv"),
            "huge": Path(folder, "huge.csv"),
            "bomb": Path(folder, "bomb.xlsx"),
        }
        files["csv"].write_bytes(synthetic_csv(args.rows))
        files["huge"].write_bytes(synthetic_csv(args.huge_rows))
        files["bomb"].write_bytes(zip_bomb_xlsx(args.bomb_mb))
        for key, path in files.items():
            print(f"{key:<5} {path.stat().st_size / 1e6:8.1f} MB on disk  ({path.name})")
        print(f"limits: {importing.Limits.from_env()}" if hasattr(importing, "Limits") else "limits: none")
        runs = [
            ("csv", "whole_file", f"{args.rows:,}-row CSV, baseline whole file"),
            ("csv", "read", f"{args.rows:,}-row CSV, read_table"),
            ("csv", "read_check", f"{args.rows:,}-row CSV, read_table + prepare"),
            ("huge", "whole_file", f"{args.huge_rows:,}-row CSV, baseline whole file"),
            ("huge", "read", f"{args.huge_rows:,}-row CSV, read_table"),
            ("bomb", "openpyxl_direct", f"{args.bomb_mb:,} MB zip bomb, openpyxl direct"),
            ("bomb", "read", f"{args.bomb_mb:,} MB zip bomb, read_table"),
        ]
        for key, step, label in runs:
            _show(label, measure(step, files[key], args.timeout, args.max_mb))


if __name__ == "__main__":
    main()
