"""Benchmark: promise-audit against a bare DuckDB scan and hand-written pandas, same file, same run.

    python bench/run.py                      # 200,000 rows, CSV: under a minute
    python bench/run.py --rows 10000000      # the figure in docs/performance.md
    python bench/run.py --format parquet
    python bench/run.py --engine spark       # on Spark; its JSON checked against DuckDB's
    python bench/run.py --profile            # where one audit's time goes, stage by stage

Each command runs as its own process, several times, the commands alternating (so a busy
machine slows them alike); the table shows the median wall time and the median peak resident
memory (from the operating system's accounting of the child process, as `/usr/bin/time -v`
reports it), and each one's ratio to the bare scan. The bare scan is one DuckDB pass over the
same file that parses every column (types detected, as a plain `read_csv` does) and finds each
column's maximum: the least any tool must do to look at every value once.

The workload is bench/call-centre.yaml (11 promises, every call-centre kind) by default, or the
bundled example (`--promises example`: 18 promises, every kind).
"""

from __future__ import annotations

import argparse
import itertools
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

BARE_SCAN = """
import sys, duckdb
path, fmt = sys.argv[1], sys.argv[2]
reader = f"read_parquet('{path}')" if fmt == "parquet" else f"read_csv('{path}')"
columns = [row[0] for row in duckdb.sql(f"DESCRIBE SELECT * FROM {reader}").fetchall()]
maxima = ", ".join(f'max("{c}")' for c in columns)
row = duckdb.sql(f"SELECT count(*), {maxima} FROM {reader}").fetchall()[0]
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


GENERATE = """
import sys
from pathlib import Path
from promise_audit.sample import write_sample
write_sample(Path(sys.argv[1]), rows=int(sys.argv[2]), seed=7, fmt=sys.argv[3])
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


def measure_once(
    command: list[str], *, ok: tuple[int, ...] = (0,), stdout: Path | None = None
) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run of `command`; any exit status but those in
    `ok` stops the benchmark (a failing baseline must not look fast)."""
    out = stdout.open("wb") if stdout is not None else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    finally:
        if stdout is not None:
            out.close()  # type: ignore[union-attr]
    if os.waitstatus_to_exitcode(status) not in ok:
        err = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{command[:3]} failed: {err.strip()[-500:]}")
    return wall, usage.ru_maxrss / 1024  # Linux reports KiB


def profile(promises: Path, data: Path, engine: str | None) -> None:
    """One audit in this process, timed stage by stage from its progress callback."""
    from promise_audit.audit import audit

    marks: list[tuple[str, float]] = [("start: imports, promise file", time.perf_counter())]

    def stage(name: str) -> None:
        marks.append((name, time.perf_counter()))

    audit(promises, str(data), progress=stage, engine=engine)
    marks.append(("end", time.perf_counter()))
    print(f"{'stage':<48} {'seconds':>8}")
    for (name, started), (_, ended) in itertools.pairwise(marks):
        print(f"{name[:48]:<48} {ended - started:>8.2f}")
    print(f"{'total':<48} {marks[-1][1] - marks[0][1]:>8.2f}")


def same_result(first: Path, second: Path) -> bool:
    """Two JSON results agree on everything but the engine's name."""
    import json

    def load(path: Path) -> dict[str, object]:
        result = json.loads(path.read_text(encoding="utf-8"))
        result.pop("engine", None)
        return dict(result)

    return load(first) == load(second)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--promises", choices=("call-centre", "example"), default="call-centre")
    parser.add_argument(
        "--engine", help="run the audit on this engine (spark, local[2], postgresql://...)"
    )
    parser.add_argument("--memory-limit", help="pass --memory-limit to promise-audit check")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    parser.add_argument("--profile", action="store_true", help="time one audit's stages")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("PROMISE_AUDIT_BENCH_DATA", OUT)),
        help="where the generated exports are kept (large ones belong outside the checkout)",
    )
    parser.add_argument(
        "--business-hours",
        action="store_true",
        help="add a promise measured in business hours (a calendar with public holidays)",
    )
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    data = args.data_dir / f"contacts-{args.rows}.{args.format}"
    if not data.exists():
        # in a process of its own: a child forked from this process would report this one's
        # memory as its own peak, and a stopped run must not leave half a file behind
        started = time.perf_counter()
        partial = data.with_name(f"partial-{data.name}")
        subprocess.run(
            [sys.executable, "-c", GENERATE, str(partial), str(args.rows), args.format],
            check=True,
        )
        partial.rename(data)
        print(f"generated {data.name} in {time.perf_counter() - started:.1f} s")
    promises = OUT / f"{args.promises}.yaml"
    source = (
        ROOT / "bench" / "call-centre.yaml"
        if args.promises == "call-centre"
        else ROOT / "promises" / "northwind.yaml"
    )
    text = source.read_text(encoding="utf-8")
    if args.business_hours:
        text += BUSINESS_HOURS_PROMISE
        text = text.replace("\nsources:", BUSINESS_CALENDAR + "sources:", 1)
    promises.write_text(text, encoding="utf-8")

    size = data.stat().st_size / 2**20
    print(
        f"{args.rows:,} rows, {args.format}, {size:,.0f} MiB; {args.promises} promises; "
        f"{os.cpu_count()} cores; Python {platform.python_version()}; "
        f"median of {args.runs} runs, alternating"
    )
    if args.profile:
        profile(promises, data, args.engine)
        return

    tool = shutil.which("promise-audit") or "promise-audit"
    check = [tool, "check", str(promises), "--records", str(data), "--format", "json"]
    if args.memory_limit:
        check += ["--memory-limit", args.memory_limit]
    label = f"promise-audit ({args.engine})" if args.engine else "promise-audit check"
    commands = {
        "bare DuckDB scan": [sys.executable, "-c", BARE_SCAN, str(data), args.format],
        label: [*check, "--engine", args.engine] if args.engine else check,
    }
    if not args.no_pandas:
        commands["pandas (4 promises)"] = [sys.executable, "-c", PANDAS, str(data), args.format]

    # promise-audit exits 1 when a promise is broken, as most of the workload's are
    audits = {label}
    outputs = {name: OUT / f"result-{i}.json" for i, name in enumerate(commands)}
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            ok = (0, 1) if name in audits else (0,)
            runs[name].append(measure_once(command, ok=ok, stdout=outputs[name]))
    if args.engine:
        measure_once(check, ok=(0, 1), stdout=OUT / "result-duckdb.json")
        agree = same_result(outputs[label], OUT / "result-duckdb.json")
        print(f"JSON on {args.engine} identical to DuckDB's (but the engine's name): {agree}")

    medians = {
        name: (statistics.median(w for w, _ in values), statistics.median(p for _, p in values))
        for name, values in runs.items()
    }
    base_wall, base_peak = medians["bare DuckDB scan"]
    print(f"{'command':<24} {'wall s':>8} {'x scan':>7} {'peak MiB':>9} {'x scan':>7}")
    for name, (wall, peak) in medians.items():
        print(
            f"{name:<24} {wall:>8.2f} {wall / base_wall:>7.2f} {peak:>9.0f} "
            f"{peak / base_peak:>7.2f}"
        )


if __name__ == "__main__":
    main()
