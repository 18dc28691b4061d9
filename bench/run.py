"""Benchmark: promise-audit against a bare DuckDB scan and hand-written pandas, same file, same run.

    python bench/run.py                      # 200,000 rows, CSV: under a minute
    python bench/run.py --rows 10000000      # the figure in docs/performance.md
    python bench/run.py --format parquet

Each command runs as its own process, several times; the table shows the median wall time and
the median peak resident memory (from the operating system's accounting of the child process,
as `/usr/bin/time -v` reports it), and each one's ratio to the bare scan.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"

# The columns the example promises read: what a bare scan of "the same work" must touch.
SCANNED = (
    "contact_id, customer_id, channel, queue, initiated_at, enqueued_at, answered_at, "
    "ended_at, resolved_at, first_response_at, wait_seconds, transfers, service_failure, "
    "recovered_at, survey_sent_at, abandoned, hold_seconds, callback_offered"
)

BARE_SCAN = """
import sys, duckdb
path, fmt = sys.argv[1], sys.argv[2]
reader = f"read_parquet('{path}')" if fmt == "parquet" else f"read_csv('{path}', all_varchar=true)"
counts = ", ".join(f"count({c.strip()})" for c in sys.argv[3].split(","))
row = duckdb.sql(f"SELECT count(*), {counts} FROM {reader}").fetchall()[0]
print(row[0])
"""

PANDAS = """
import sys
import pandas as pd
path, fmt = sys.argv[1], sys.argv[2]
frame = pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path)
for column in ("initiated_at", "survey_sent_at"):
    frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
as_of = frame["initiated_at"].max()
frame = frame.drop_duplicates("contact_id")
# wait_time 5m on phone: abandons within the limit excluded
phone = frame[(frame["channel"] == "phone") & frame["enqueued_at"].notna()]
waits = phone["wait_seconds"]
abandoned = phone["abandoned"].astype(str).str.lower() == "true"
decided = phone[waits.notna() & ~(abandoned & (waits <= 300))]
wait_kept = int((decided["wait_seconds"] <= 300).sum())
# transfers: at most one
transfers_kept = int((frame["transfers"] <= 1).sum())
# repeat contact within 7 days, by customer, in (initiated_at, contact_id) order
ordered = frame[frame["customer_id"].notna()]
ordered = ordered.sort_values(["customer_id", "initiated_at", "contact_id"])
following = ordered.groupby("customer_id")["initiated_at"].shift(-1)
repeats = int(((following - ordered["initiated_at"]).dt.total_seconds() <= 7 * 86400).sum())
# survey cap: at most 1 in 30 days
surveys = frame[frame["survey_sent_at"].notna()]
surveys = surveys.sort_values(["customer_id", "survey_sent_at", "contact_id"])
previous = surveys.groupby("customer_id")["survey_sent_at"].shift(1)
survey_broken = int(((surveys["survey_sent_at"] - previous).dt.total_seconds() <= 30 * 86400).sum())
print(wait_kept, transfers_kept, repeats, survey_broken)
"""


BUSINESS_CALENDAR = """
calendars:
  support-hours:
    timezone: America/Vancouver
    hours: {mon-fri: ["08:00-18:00"], sat: ["09:00-13:00"]}
    holidays: {country: CA, subdivision: BC}
"""

BUSINESS_HOURS_PROMISE = """
  - id: bench-reply-8bh
    kind: first_response
    limit: 8h
    calendar: support-hours
    target: 95%
"""


def measure(command: list[str], runs: int, *, ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Median wall seconds and median peak RSS (MiB) of `command` run `runs` times; any exit
    status but those in `ok` stops the benchmark (a failing baseline must not look fast)."""
    walls, peaks = [], []
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        walls.append(time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status) not in ok:
            err = process.stderr.read().decode() if process.stderr else ""
            raise SystemExit(f"{command[:3]} failed: {err.strip()[-500:]}")
        peaks.append(usage.ru_maxrss / 1024)  # Linux reports KiB
    return statistics.median(walls), statistics.median(peaks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    parser.add_argument(
        "--business-hours",
        action="store_true",
        help="add a promise measured in business hours (a calendar with public holidays)",
    )
    args = parser.parse_args()

    from promise_audit.sample import write_sample

    OUT.mkdir(parents=True, exist_ok=True)
    data = OUT / f"contacts-{args.rows}.{args.format}"
    if not data.exists():
        started = time.perf_counter()
        write_sample(data, rows=args.rows, seed=7)
        print(f"generated {data.name} in {time.perf_counter() - started:.1f} s")
    promises = OUT / "northwind.yaml"
    example = (ROOT / "promises" / "northwind.yaml").read_text(encoding="utf-8")
    if args.business_hours:
        example += BUSINESS_HOURS_PROMISE
        example = example.replace("\nsources:", BUSINESS_CALENDAR + "sources:", 1)
    promises.write_text(example, encoding="utf-8")

    tool = shutil.which("promise-audit") or "promise-audit"
    commands = {
        "bare DuckDB scan": [sys.executable, "-c", BARE_SCAN, str(data), args.format, SCANNED],
        "promise-audit check": [
            tool,
            "check",
            str(promises),
            "--records",
            str(data),
            "--format",
            "json",
        ],
    }
    if not args.no_pandas:
        commands["pandas (4 promises)"] = [sys.executable, "-c", PANDAS, str(data), args.format]

    size = data.stat().st_size / 2**20
    print(
        f"{args.rows:,} rows, {args.format}, {size:,.0f} MiB; {os.cpu_count()} cores; "
        f"Python {platform.python_version()}; median of {args.runs} runs"
    )
    # promise-audit exits 1 when a promise is broken, as most of the example's are
    results = {
        name: measure(command, args.runs, ok=(0, 1) if name == "promise-audit check" else (0,))
        for name, command in commands.items()
    }
    base_wall, base_peak = results["bare DuckDB scan"]
    print(f"{'command':<22} {'wall s':>8} {'x scan':>7} {'peak MiB':>9} {'x scan':>7}")
    for name, (wall, peak) in results.items():
        print(
            f"{name:<22} {wall:>8.2f} {wall / base_wall:>7.2f} {peak:>9.0f} "
            f"{peak / base_peak:>7.2f}"
        )


if __name__ == "__main__":
    main()
