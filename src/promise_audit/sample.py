"""A deterministic, realistic contact-centre export, generated inside DuckDB.

`write_sample` writes one row per customer contact with exactly the canonical fields of
`promise_audit.records.schema.CANONICAL_FIELDS`, in that order. It makes the bundled example
(`promises/exports/northwind-contacts.csv`) and the data of tests and benchmarks.

How it works (no per-row Python: the rows come from one DuckDB query; 10M rows take about
half a minute on two cores):

* Every random number is a hash of ``(seed, row or entity number, salt)``, never
  ``random()``: the same arguments give a byte-identical file, whatever the thread count.
* Arrivals follow an hourly intensity in local time: weekday business hours heavy, evenings,
  nights and weekends light, day-to-day noise and one "incident" day with an afternoon surge.
  The intensity's inverse CDF is tabulated in a short list; row ``i`` gets the instant at
  quantile ``(i + u) / rows``, so initiated_at grows with the contact number and the rows
  stream out in contact_id order with no sort: the query is projections over a table scan,
  which keep insertion order (a join would not).
* Waits grow with the hour's load (demand over planned staffing) and have an exponential
  tail; the caller's patience decides abandons (a few give up within 5 s); waits that pass two
  minutes mostly get a callback offer, and some callers take it.
* Repeat contacts point back to an earlier row ``j = i - gap`` (a gap of ~2.5 days on average)
  and take its customer and usually its topic: ~15-20 % of contacts repeat one of the same
  customer's contacts within a week, and such customers collect several surveys.
* Follow-up events (replies, resolutions, callbacks, recoveries, refunds, surveys, return
  decisions) that would fall after the export was taken, at the end of the period, are
  empty: they have not happened yet. Live events of a call (answered, ended) are kept.

Output: timestamps are ISO 8601 with the UTC offset of ``timezone`` at that instant
(``2026-10-03T09:14:05-07:00``, daylight saving included), empty when missing; booleans
``true``/``false``; durations whole seconds; money with two decimals. Parquet keeps types
instead (timestamps as UTC instants, TIMESTAMP WITH TIME ZONE).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING

from promise_audit.records.schema import CANONICAL_FIELDS

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

__all__ = ["FORMATS", "write_sample"]

FORMATS = ("csv", "csv.gz", "jsonl", "jsonl.gz", "parquet")

_SLOTS = 8192  # resolution of the tabulated inverse CDF of arrivals (~11 per hour)
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S"

# Relative arrival intensity by local hour (0-23).
_WEEKDAY_HOURS = (
    0.06, 0.04, 0.03, 0.03, 0.04, 0.08, 0.20, 0.45, 0.85, 1.35, 1.50, 1.45,
    1.20, 1.30, 1.40, 1.30, 1.15, 0.90, 0.65, 0.55, 0.45, 0.32, 0.20, 0.11,
)  # fmt: skip
_WEEKEND_HOURS = (
    0.08, 0.05, 0.04, 0.03, 0.03, 0.05, 0.10, 0.20, 0.40, 0.65, 0.85, 0.95,
    0.95, 0.90, 0.85, 0.75, 0.65, 0.55, 0.50, 0.45, 0.38, 0.28, 0.18, 0.12,
)  # fmt: skip
# Relative volume by ISO day of week (Mon=1 .. Sun=7).
_DAY_FACTOR = (1.30, 1.12, 1.05, 1.00, 0.95, 0.55, 0.45)


# Every canonical field but `answered`, which the records derive from answered_at, as most
# exports leave it to be.
SAMPLE_FIELDS = tuple(f for f in CANONICAL_FIELDS if f != "answered")


def write_sample(
    out: Path,
    *,
    rows: int,
    seed: int = 7,
    start: str = "2026-10-01",
    days: int = 31,
    timezone: str = "America/Vancouver",
    fmt: str | None = None,
) -> int:
    """Write a synthetic export of `rows` contacts initiated in `days` local days from `start`.

    `start` is a date, read in `timezone`. The format comes from the suffix (.csv, .csv.gz,
    .jsonl, .jsonl.gz, .parquet) unless `fmt` names one of those. Returns the rows written.
    """
    import duckdb

    out = Path(out)
    kind = _infer_format(out, fmt)
    for name, value, least in (("rows", rows, 0), ("days", days, 1), ("seed", seed, None)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be an integer, got {value!r}")
        if least is not None and value < least:
            raise ValueError(f"{name} must be at least {least}, got {value!r}")
    try:
        start_date = dt.date.fromisoformat(start)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"start must be a date (YYYY-MM-DD), got {start!r}") from exc
    end_date = start_date + dt.timedelta(days=days)

    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = true")
        # All zone arithmetic uses DuckDB's (ICU) time-zone data, never Python's: the two
        # can disagree (tzdata versions; e.g. British Columbia's permanent -07 from 2026).
        try:
            bounds = con.execute(
                "SELECT timezone('UTC', timezone($tz, $start::TIMESTAMP)),"
                " timezone('UTC', timezone($tz, $end::TIMESTAMP))",
                {"tz": timezone, "start": start_date.isoformat(), "end": end_date.isoformat()},
            ).fetchone()
        except duckdb.Error as exc:
            raise ValueError(f"unknown time zone {timezone!r}") from exc
        if bounds is None:  # pragma: no cover - a SELECT without FROM returns one row
            raise RuntimeError("DuckDB returned no period bounds")
        utc_start, utc_end = bounds
        # The export is taken at the end of the period.
        export_seconds = int((utc_end - utc_start).total_seconds())
        out.parent.mkdir(parents=True, exist_ok=True)
        _create_macros(con, seed=seed, rows=rows, days=days)
        _create_time_format(con, utc_start=utc_start, days=days, timezone=timezone)
        _create_arrivals(con, start_date=start_date, days=days, timezone=timezone, seed=seed)
        # range() is a single-threaded source; a table scan runs on every thread.
        con.execute(f"CREATE TABLE ids AS SELECT range AS i FROM range({rows})")
        query = _contacts_query(
            rows=rows,
            start_date=start_date,
            days=days,
            utc_start=utc_start,
            export_seconds=export_seconds,
            typed=kind == "parquet",
        )
        if kind.startswith("csv"):
            options = "FORMAT csv, HEADER true, DELIMITER ','"
        elif kind.startswith("jsonl"):
            options = "FORMAT json"
        else:
            options = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000"
        if kind.endswith(".gz"):
            options += ", COMPRESSION gzip"
        target = str(out).replace("'", "''")
        con.execute(f"COPY ({query}) TO '{target}' ({options})")
    finally:
        con.close()
    return rows


def _infer_format(out: Path, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown sample format {fmt!r}; expected one of {', '.join(FORMATS)}")
        return fmt
    name = out.name.lower()
    for candidate in sorted(FORMATS, key=len, reverse=True):
        if name.endswith("." + candidate):
            return candidate
    raise ValueError(
        f"cannot tell the format of {out.name!r} from its suffix "
        "(.csv, .csv.gz, .jsonl, .jsonl.gz, .parquet); pass fmt="
    )


def _sql_list(values: tuple[float, ...]) -> str:
    return "([" + ", ".join(f"{v:.4f}" for v in values) + "]::DOUBLE[])"


def _create_macros(con: DuckDBPyConnection, *, seed: int, rows: int, days: int) -> None:
    """Hash-based random numbers and the entity draws built on them."""
    pool = max(5 * rows, 1000)  # customers: 5x the contacts, so chance repeats are rare
    rows_per_day = max(rows / days, 1e-9)
    statements = [
        # u(x, s): uniform in (0, 1), fixed by (seed, x, salt)
        f"""CREATE MACRO u(x, s) AS
            ((hash({seed}::BIGINT, (x)::BIGINT, (s)::INTEGER) % 1000000)::DOUBLE + 0.5)
            / 1000000.0""",
        # standard normal (Box-Muller), exponential(1), log-normal with a median
        "CREATE MACRO nz(x, s) AS sqrt(-2 * ln(u(x, s))) * cos(2 * pi() * u(x, (s) + 5000))",
        "CREATE MACRO ex(x, s) AS -ln(u(x, s))",
        "CREATE MACRO lnorm(med, sigma, x, s) AS (med) * exp((sigma) * nz(x, s))",
        "CREATE MACRO lnz(med, sigma, z) AS (med) * exp((sigma) * (z))",
        # repeat contacts: row x repeats the contact gap(x) rows (~2.5 days) earlier
        f"""CREATE MACRO gap(x) AS
            greatest(1, round(least(ex(x, 3) * 2.5, 12.0) * {rows_per_day!r}))::BIGINT""",
        "CREATE MACRO rep(x) AS (u(x, 2) < 0.16 AND (x) - gap(x) >= 0)",
        f"CREATE MACRO cnum(x) AS (hash({seed}::BIGINT, (x)::BIGINT, 5) % {pool})::BIGINT",
        """CREATE MACRO queue_of(x) AS CASE
               WHEN u(x, 7) < 0.25 THEN 'billing' WHEN u(x, 7) < 0.60 THEN 'orders'
               WHEN u(x, 7) < 0.80 THEN 'returns' ELSE 'tech' END""",
        """CREATE MACRO topic_of(x) AS (CASE queue_of(x)
               WHEN 'billing' THEN ['invoice', 'payment_failed', 'refund_status']
               WHEN 'orders' THEN ['order_status', 'delivery_delay', 'change_order']
               WHEN 'returns' THEN ['return_request', 'exchange', 'damaged_item']
               ELSE ['account_access', 'website_error', 'app_issue'] END
           )[1 + floor(u(x, 8) * 3)::BIGINT]""",
    ]
    for statement in statements:
        con.execute(statement)


def _create_time_format(
    con: DuckDBPyConnection, *, utc_start: dt.datetime, days: int, timezone: str
) -> None:
    """Macro fmt_ts(x): a naive UTC timestamp as local ISO 8601 text with its UTC offset.

    The zone's offsets are sampled every 15 minutes from 430 days before the period (purchase
    dates) to 120 days after it; each change becomes a CASE branch, so formatting a value
    needs no time-zone lookup.
    """
    tz = timezone.replace("'", "''")
    lo = utc_start - dt.timedelta(days=430)
    steps = (430 + days + 120) * 96
    changes = con.execute(
        f"""
        WITH s AS (
            SELECT TIMESTAMP '{lo.isoformat(sep=" ")}' + INTERVAL (k * 15) MINUTE AS t
            FROM range({steps}) r(k)
        ), o AS (
            SELECT t, epoch(timezone('{tz}', timezone('UTC', t)) - t)::BIGINT AS off FROM s
        )
        SELECT t, off FROM (SELECT t, off, lag(off) OVER (ORDER BY t) AS prev FROM o)
        WHERE prev IS NULL OR prev <> off
        ORDER BY t
        """
    ).fetchall()
    offsets = [int(off) for _, off in changes]
    bounds = [t.isoformat(sep=" ") for t, _ in changes[1:]]

    def case(values: list[str]) -> str:
        if not bounds:
            return values[0]
        branches = " ".join(
            f"WHEN x < TIMESTAMP '{bound}' THEN {value}"
            for bound, value in zip(bounds, values[:-1], strict=True)
        )
        return f"CASE {branches} ELSE {values[-1]} END"

    shift = case([str(o) for o in offsets])
    suffix = case([f"'{_offset_text(o)}'" for o in offsets])
    con.execute(f"CREATE MACRO tz_shift(x) AS {shift}")
    con.execute(
        f"""CREATE MACRO fmt_ts(x) AS
            strftime(x + to_seconds(tz_shift(x)), '{_TS_FORMAT}') || {suffix}"""
    )


def _offset_text(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _create_arrivals(
    con: DuckDBPyConnection, *, start_date: dt.date, days: int, timezone: str, seed: int
) -> None:
    """Hourly buckets of arrival intensity and load; variables slot_t and bucket_rho."""
    tz = timezone.replace("'", "''")
    # One day (after the first week, when the period has one) has an afternoon surge.
    incident_day = 7 + (seed * 7919) % (days - 7) if days > 7 else -1
    con.execute(
        f"""
        CREATE TABLE buckets AS
        WITH h AS (
            SELECT b, b // 24 AS d, b % 24 AS hr,
                   DATE '{start_date.isoformat()}' + INTERVAL (b // 24) DAY
                       + INTERVAL (b % 24) HOUR AS local_start
            FROM range({days * 24}) t(b)
        ), w AS (
            SELECT *, isodow(local_start) AS dow,
                   timezone('UTC', timezone('{tz}', local_start)) AS utc_start,
                   timezone('UTC', timezone('{tz}', local_start + INTERVAL 1 HOUR)) AS utc_stop
            FROM h
        ), x AS (
            SELECT *,
                   CASE WHEN dow <= 5 THEN {_sql_list(_WEEKDAY_HOURS)}[hr + 1]
                        ELSE {_sql_list(_WEEKEND_HOURS)}[hr + 1] END
                       * {_sql_list(_DAY_FACTOR)}[dow] AS expected,
                   -- planned staffing against expected demand: generous in weekday office
                   -- hours, thin at the edges of the day and at weekends
                   CASE WHEN dow <= 5 AND hr BETWEEN 9 AND 11 THEN 1.0
                        WHEN dow <= 5 AND hr BETWEEN 12 AND 13 THEN 0.93  -- lunch breaks
                        WHEN dow <= 5 AND hr BETWEEN 14 AND 16 THEN 1.08
                        WHEN dow <= 5 AND hr BETWEEN 7 AND 19 THEN 0.91
                        WHEN dow > 5 AND hr BETWEEN 9 AND 17 THEN 0.90
                        ELSE 0.85 END
                   * CASE WHEN dow = 1 THEN 0.95 ELSE 1.0 END AS staffing,
                   exp(0.12 * nz(d, 900)) AS day_noise,
                   CASE WHEN d = {incident_day} AND hr BETWEEN 10 AND 19 THEN 1.6 ELSE 1.0 END
                       AS incident
            FROM w
        )
        SELECT b, d, hr, dow, utc_start,
               greatest(epoch(coalesce(lead(utc_start) OVER (ORDER BY b), utc_stop)
                              - utc_start), 0) AS seconds,
               expected * day_noise * incident AS weight,
               -- staffing never quite follows demand: busy hours run hotter
               day_noise * incident * power(expected, 0.1) / staffing AS rho
        FROM x
        ORDER BY b
        """
    )
    # Arrival instants (seconds after the period start) at quantiles k / _SLOTS of the
    # intensity, and the load of each hour: lists, so each row looks its values up by index in
    # a plain projection (a join would not keep the rows in contact order).
    con.execute(
        f"""
        SET VARIABLE slot_t = (
            WITH m AS (
                SELECT *, weight * seconds AS mass FROM buckets WHERE seconds > 0
            ), c AS (
                SELECT *, (sum(mass) OVER (ORDER BY b) - mass) / sum(mass) OVER () AS q_lo,
                          sum(mass) OVER (ORDER BY b) / sum(mass) OVER () AS q_hi
                FROM m
            ), pts AS (
                SELECT k, k / {_SLOTS}::DOUBLE AS q FROM range({_SLOTS + 1}) t(k)
            )
            SELECT list(
                epoch(c.utc_start - (SELECT min(utc_start) FROM buckets))
                + least(greatest((pts.q - c.q_lo) / greatest(c.q_hi - c.q_lo, 1e-15), 0), 1)
                  * c.seconds
                ORDER BY pts.k)
            FROM pts ASOF JOIN c ON pts.q >= c.q_lo
        )
        """
    )
    con.execute("SET VARIABLE bucket_rho = (SELECT list(rho ORDER BY b) FROM buckets)")


def _contacts_query(
    *,
    rows: int,
    start_date: dt.date,
    days: int,
    utc_start: dt.datetime,
    export_seconds: int,
    typed: bool,
) -> str:
    """The SELECT producing the contacts, in contact_id (= row, = time) order."""
    n = rows
    base = f"TIMESTAMP '{utc_start.isoformat(sep=' ')}'"
    local_base = f"TIMESTAMP '{start_date.isoformat()} 00:00:00'"
    hours = days * 24
    width = max(8, len(str(n)))

    def ts(expr: str) -> str:
        """Seconds after initiated_at (nullable) as the output value of a timestamp column."""
        value = f"(t0 + to_seconds(({expr})::BIGINT))"
        return f"to_timestamp(epoch({value}))" if typed else f"fmt_ts({value})"

    def cut(expr: str) -> str:
        """A follow-up event, empty when it falls after the export was taken."""
        return f"CASE WHEN ({expr}) <= horizon THEN ({expr})::BIGINT END"

    columns = {
        "contact_id": f"'CT' || lpad((i + 1)::VARCHAR, {width}, '0')",
        "customer_id": "'CU' || lpad(cust::VARCHAR, 9, '0')",
        "channel": "channel",
        "queue": "queue",
        "team": "team",
        "agent_id": "agent_id",
        "segment": "segment",
        "language": "language",
        "topic": "topic",
        "initiated_at": ts("0"),
        "enqueued_at": ts("enq_s"),
        "answered_at": ts("ans_s"),
        "first_response_at": ts("fr_s"),
        "ended_at": ts("end_s"),
        "resolved_at": ts("res_s"),
        "abandoned": "coalesce(outcome = 'abandon', false)",
        "wait_seconds": "wait_s",
        "hold_seconds": "hold_s",
        "longest_hold_seconds": "longest_hold_s",
        "hold_count": "hold_count",
        "ivr_seconds": "ivr_s",
        "ivr_steps": "ivr_steps",
        "transfers": "transfers",
        "callback_offered": "cb_offer",
        "callback_requested_at": ts("cbreq_s"),
        "callback_at": ts("cb_s"),
        "bot_handled": "bot",
        "human_requested_at": ts("hreq_s"),
        "human_joined_at": ts("hjoin_s"),
        "escalated": "escalations > 0",
        "escalations": "escalations",
        "service_failure": "sf",
        "failure_at": ts("fail_s"),
        "recovered_at": ts("rec_s"),
        "apologized": "apologized",
        "goodwill_amount": "goodwill::DECIMAL(10, 2)",
        "survey_sent_at": ts("survey_s"),
        "csat": "csat",
        "nps": "nps",
        "order_id": "order_id",
        "purchased_at": ts("purch_s"),
        "return_requested_at": ts("retreq_s"),
        "return_decision": "decision",
        "refund_at": ts("refund_s"),
        "return_shipping_fee": "fee::DECIMAL(10, 2)",
    }
    if list(columns) != list(SAMPLE_FIELDS):
        raise RuntimeError("sample columns out of sync with CANONICAL_FIELDS")
    select_list = ",\n    ".join(f"{expr} AS {name}" for name, expr in columns.items())

    query = f"""
WITH s0 AS (
    SELECT i, (i + u(ids.i, 0)) * {_SLOTS} / {n} AS x FROM ids
), s1 AS (
    SELECT i, x - floor(x) AS frac,
           getvariable('slot_t')[floor(x)::BIGINT + 1] AS t_lo,
           getvariable('slot_t')[floor(x)::BIGINT + 2] AS t_hi
    FROM s0
), s2 AS (
    SELECT i, floor(t_lo + frac * (t_hi - t_lo))::BIGINT AS t_rel FROM s1
), s3 AS (
    SELECT i, t_rel, {base} + to_seconds(t_rel) AS t_utc FROM s2
), s4 AS (
    SELECT i, t_rel, t_utc, t_utc + to_seconds(tz_shift(t_utc)) AS t_local FROM s3
), r AS (
    -- arrival instant: the inverse CDF at (i + u) / rows, interpolated inside its slot
    SELECT i, hour(t_local) AS lhour, isodow(t_local) AS ldow,
           getvariable('bucket_rho')[
               least(greatest(epoch(t_local - {local_base}) // 3600, 0), {hours - 1})::BIGINT + 1
           ] AS rho,
           t_rel AS t0_rel
    FROM s4
), a AS (
    SELECT *, {base} + to_seconds(t0_rel) AS t0, {export_seconds} - t0_rel AS horizon,
        CASE WHEN u(i, 1) < 0.55 THEN 'phone' WHEN u(i, 1) < 0.73 THEN 'chat'
             WHEN u(i, 1) < 0.87 THEN 'email' WHEN u(i, 1) < 0.92 THEN 'messaging'
             WHEN u(i, 1) < 0.95 THEN 'social' ELSE 'web_form' END AS channel,
        rep(i) AS is_rep,
        -- the customer comes from the contact this one repeats (two links deep)
        CASE WHEN NOT rep(i) THEN i
             WHEN rep(i - gap(i)) THEN i - gap(i) - gap(i - gap(i))
             ELSE i - gap(i) END AS csrc,
        CASE WHEN rep(i) AND u(i, 4) < 0.75 THEN i - gap(i) ELSE i END AS tsrc
    FROM r
), b AS (
    SELECT *, queue_of(tsrc) AS queue, topic_of(tsrc) AS topic, cnum(csrc) AS cust,
        channel = 'phone' AS phone, channel = 'chat' AS chat,
        channel IN ('email', 'messaging', 'social', 'web_form') AS async
    FROM a
), c AS (
    SELECT *,
        CASE WHEN u(cust, 6) < 0.80 THEN 'standard' WHEN u(cust, 6) < 0.95 THEN 'gold'
             ELSE 'platinum' END AS segment,
        CASE WHEN u(cust, 9) < 0.82 THEN 'en' WHEN u(cust, 9) < 0.90 THEN 'fr'
             WHEN u(cust, 9) < 0.95 THEN 'zh' WHEN u(cust, 9) < 0.98 THEN 'pa'
             ELSE 'es' END AS language,
        -- the outsourced team takes most off-hours work and overflow when it is busy
        u(i, 24) < CASE WHEN ldow >= 6 OR lhour < 8 OR lhour >= 18 THEN 0.75
                        ELSE 0.22 + 0.3 * greatest(rho - 1, 0) END AS bpo,
        CASE WHEN phone THEN CASE WHEN u(i, 10) < 0.10 THEN 1 WHEN u(i, 10) < 0.45 THEN 2
                                  WHEN u(i, 10) < 0.80 THEN 3 WHEN u(i, 10) < 0.93 THEN 4
                                  WHEN u(i, 10) < 0.98 THEN 5 ELSE 6 END END AS ivr_steps,
        chat AND u(i, 21) < 0.60 AS bot,
        chat AND u(i, 21) < 0.60 AND u(i, 23) < 0.45 AS hreq,
        CASE WHEN u(i, 14) < 0.03 THEN 1 + floor(u(i, 15) * 4)
             WHEN phone THEN 90 + round(720 * ex(i, 16))
             ELSE 60 + round(540 * ex(i, 16)) END::BIGINT AS patience
    FROM b
), d AS (
    SELECT *,
        phone OR (chat AND (NOT bot OR hreq)) AS queued,
        CASE WHEN bot THEN 20 + round(lnorm(90, 0.8, i, 22)) END::BIGINT AS bot_s,
        CASE WHEN phone THEN round(ivr_steps * (8 + 7 * u(i, 11)) + lnorm(5, 0.7, i, 12))
             END::BIGINT AS ivr_s,
        -- mean wait grows steeply with load; priority for loyalty tiers
        round((15 + 70 * power(least(rho, 1.5), 6))
              * CASE queue WHEN 'tech' THEN 1.3 WHEN 'returns' THEN 1.1
                           WHEN 'orders' THEN 0.9 ELSE 1.0 END
              * CASE segment WHEN 'platinum' THEN 0.5 WHEN 'gold' THEN 0.8 ELSE 1.0 END
              * CASE WHEN chat THEN 0.75 ELSE 1.0 END
              * ex(i, 13))::BIGINT AS w,
        CASE WHEN bpo THEN 41 + floor(power(u(i, 36), 1.2) * 20)
             WHEN queue = 'billing' THEN 1 + floor(u(i, 36) * 14)
             WHEN queue = 'orders' THEN 1 + floor(u(i, 36) * 28)
             WHEN queue = 'returns' THEN 15 + floor(u(i, 36) * 14)
             ELSE 29 + floor(u(i, 36) * 12) END::BIGINT AS agent_n
    FROM c
), e AS (
    SELECT *,
        CASE WHEN phone THEN ivr_s WHEN hreq THEN bot_s
             WHEN queued THEN 3 + floor(u(i, 25) * 12)::BIGINT END AS enq_s,
        phone AND least(w, patience) > 120
            AND u(i, 17) < CASE WHEN queue = 'tech' THEN 0.6 ELSE 0.85 END AS cb_offer,
        CASE WHEN NOT queued THEN NULL
             WHEN phone AND least(w, patience) > 120
                  AND u(i, 17) < CASE WHEN queue = 'tech' THEN 0.6 ELSE 0.85 END
                  AND u(i, 18) < 0.4 THEN 'callback'
             WHEN patience < w THEN 'abandon' ELSE 'answer' END AS outcome,
        (121 + floor(u(i, 19) * least(25, least(w, patience) - 121)))::BIGINT AS cb_wait,
        u(agent_n, 950) > 0.85 AS weak_agent,
        CASE WHEN async THEN
            -- replies wait for opening time (08:00-18:00 weekdays) unless the BPO picks up
            CASE WHEN u(i, 37) < 0.35 THEN 0
                 WHEN ldow <= 5 AND lhour BETWEEN 8 AND 17 THEN 0
                 WHEN ldow <= 5 AND lhour < 8 THEN 8 - lhour
                 WHEN ldow = 5 THEN 80 - lhour
                 WHEN ldow = 6 THEN 56 - lhour
                 ELSE 32 - lhour END * 3600
            + round(lnorm(CASE channel WHEN 'messaging' THEN 3600 WHEN 'social' THEN 5400
                                       WHEN 'email' THEN 14400 ELSE 18000 END,
                          1.0, i, 31) * (0.7 + 0.4 * rho))
        END AS fr_delay
    FROM d
), f AS (
    SELECT *,
        CASE outcome WHEN 'callback' THEN cb_wait WHEN 'abandon' THEN patience
                     WHEN 'answer' THEN w END AS wait_s,
        CASE WHEN outcome = 'callback' THEN enq_s + cb_wait END AS cbreq_s,
        CASE WHEN async AND u(i, 38) >= 0.025 THEN fr_delay END AS fr_raw
    FROM e
), g AS (
    SELECT *,
        {
        cut('''cbreq_s + CASE WHEN u(i, 20) < 0.04 THEN NULL
                              WHEN u(i, 20) < 0.13 THEN 7200 + round(21600 * u(i, 26))
                              ELSE round(lnorm(2100, 0.6, i, 27)) END''')
    } AS cb_s,
        {cut("fr_raw")} AS fr_s
    FROM f
), h AS (
    SELECT *,
        CASE outcome WHEN 'answer' THEN enq_s + w WHEN 'callback' THEN cb_s END AS ans_s
    FROM g
), k AS (
    SELECT *,
        ans_s IS NOT NULL AS handled,
        CASE WHEN phone AND ans_s IS NOT NULL THEN
            CASE WHEN u(i, 29) < 0.55 THEN 0 WHEN u(i, 29) < 0.80 THEN 1
                 WHEN u(i, 29) < 0.93 THEN 2 ELSE 3 END END AS hold_count,
        round(lnorm(CASE WHEN phone THEN 330 ELSE 540 END, 0.6, i, 28))::BIGINT AS talk,
        round(lnorm(75, 0.85, i, 34))::BIGINT AS hold1
    FROM h
), l AS (
    SELECT *,
        CASE WHEN hold_count > 0 THEN hold1 WHEN hold_count = 0 THEN 0 END AS longest_hold_s,
        CASE WHEN hold_count > 0
             THEN hold1 + round(hold1 * (hold_count - 1) * (0.3 + 0.4 * u(i, 35)))::BIGINT
             WHEN hold_count = 0 THEN 0 END AS hold_s,
        CASE WHEN handled OR fr_s IS NOT NULL THEN
            CASE WHEN bpo OR weak_agent OR queue = 'tech' THEN
                CASE WHEN async THEN (u(i, 33) >= 0.90)::INTEGER
                     WHEN u(i, 33) < 0.62 THEN 0 WHEN u(i, 33) < 0.84 THEN 1
                     WHEN u(i, 33) < 0.95 THEN 2 ELSE 3 END
            ELSE
                CASE WHEN async THEN (u(i, 33) >= 0.95)::INTEGER
                     WHEN u(i, 33) < 0.80 THEN 0 WHEN u(i, 33) < 0.94 THEN 1
                     WHEN u(i, 33) < 0.985 THEN 2 ELSE 3 END
            END
        ELSE 0 END AS transfers,
        u(i, 40) < CASE queue WHEN 'orders' THEN 0.05 WHEN 'returns' THEN 0.055
                              WHEN 'billing' THEN 0.03 ELSE 0.025 END AS sf,
        CASE WHEN handled OR fr_s IS NOT NULL THEN 'A' || (1000 + agent_n)::VARCHAR END
            AS agent_id,
        CASE WHEN NOT (handled OR fr_s IS NOT NULL) THEN NULL
             WHEN agent_n <= 14 THEN 'orca' WHEN agent_n <= 28 THEN 'heron'
             WHEN agent_n <= 40 THEN 'cedar' ELSE 'harbour-bpo' END AS team
    FROM k
), m AS (
    SELECT *,
        CASE WHEN handled THEN ans_s + talk + coalesce(hold_s, 0)
             WHEN outcome = 'abandon' THEN enq_s + patience
             WHEN outcome = 'callback' THEN cbreq_s
             WHEN bot THEN bot_s END AS live_end_s,
        CASE WHEN (handled OR fr_s IS NOT NULL)
                  AND u(i, 41) < 0.045 + 0.06 * bpo::INTEGER
                                 + 0.04 * (segment = 'platinum')::INTEGER
                                 + 0.05 * sf::INTEGER
             THEN CASE WHEN u(i, 42) < 0.8 THEN 1 ELSE 2 END ELSE 0 END AS escalations,
        CASE WHEN sf THEN CASE WHEN u(i, 43) < 0.7 THEN 0
                               ELSE -round(3600 * (1 + 19 * u(i, 44)))::BIGINT END END
            AS fail_s,
        (queue = 'returns' AND u(i, 50) < 0.28) OR (queue = 'orders' AND u(i, 50) < 0.015)
            AS has_return
    FROM l
), n AS (
    SELECT *,
        CASE WHEN handled AND u(i, 39) < 0.74 - 0.12 * bpo::INTEGER - 0.08 * transfers
                                         - 0.12 * weak_agent::INTEGER
                 THEN live_end_s
             WHEN handled AND u(i, 39) < 0.93
                 THEN live_end_s + round(lnorm(72000, 1.1, i, 30))::BIGINT
             WHEN bot AND NOT hreq AND u(i, 39) < 0.70 THEN bot_s
             WHEN fr_raw IS NOT NULL AND u(i, 39) < 0.50 THEN fr_raw
             WHEN fr_raw IS NOT NULL AND u(i, 39) < 0.90
                 THEN fr_raw + round(lnorm(43200, 1.2, i, 32))::BIGINT
             END AS res_raw,
        CASE WHEN NOT sf THEN NULL
             WHEN u(i, 45) < 0.66
                 THEN greatest(fail_s + round(3600 * (0.5 + 23 * power(u(i, 46), 1.5))), 60)
             WHEN u(i, 45) < 0.89 THEN fail_s + 86400 + round(345600 * u(i, 46))
             END::BIGINT AS rec_raw,
        sf AND u(i, 47) < CASE WHEN bpo THEN 0.6 ELSE 0.82 END AS apologized,
        CASE WHEN sf AND u(i, 48) < 0.5
                 THEN [10, 15, 20, 25, 50][1 + floor(u(i, 49) * 5)::BIGINT]
                      * CASE WHEN segment = 'platinum' THEN 2 ELSE 1 END
             WHEN NOT sf AND u(i, 48) < 0.004 THEN 10
             ELSE 0 END AS goodwill,
        CASE WHEN has_return THEN round(86400 * CASE
                 WHEN u(i, 51) < 0.80 THEN least(greatest(lnorm(20, 0.8, i, 52), 1), 300)
                 WHEN u(i, 51) < 0.96 THEN 60 + 300 * u(i, 53)
                 ELSE 366 + 34 * u(i, 53) END)::BIGINT END AS age_s,
        round(3600 * (2 + 70 * u(i, 54)))::BIGINT AS decided_s
    FROM m
), o AS (
    SELECT *,
        {cut("res_raw")} AS res_s,
        {cut("rec_raw")} AS rec_s,
        CASE WHEN NOT has_return THEN NULL
             WHEN age_s <= 365 * 86400 THEN
                 CASE WHEN u(i, 55) < 0.955 THEN 'accepted'
                      WHEN u(i, 55) < 0.985 THEN 'rejected' END
             ELSE CASE WHEN u(i, 55) < 0.75 THEN 'rejected' ELSE 'accepted' END
             END AS decision_raw
    FROM n
), p AS (
    SELECT *,
        CASE WHEN async THEN res_s ELSE live_end_s END AS end_s,
        CASE WHEN decided_s <= horizon THEN decision_raw END AS decision,
        {
        cut('''CASE WHEN decision_raw IS DISTINCT FROM 'accepted' THEN NULL
                     WHEN u(i, 56) < 0.85 THEN greatest(decided_s + 3600,
                          round(86400 * least(13.5, 1 + lnorm(5, 0.5, i, 57))))
                     WHEN u(i, 56) < 0.96 THEN round(86400 * (15 + 20 * u(i, 58)))
                     END''')
    } AS refund_s,
        CASE WHEN has_return THEN
            CASE WHEN decision_raw = 'accepted' AND u(i, 59) < 0.045
                 THEN [7.95, 9.95, 12.50][1 + floor(u(i, 61) * 3)::BIGINT] ELSE 0 END
            END AS fee,
        CASE WHEN has_return THEN 'NW-' || (1000000 + floor(u(i, 60) * 9000000))::BIGINT::VARCHAR
            END AS order_id,
        CASE WHEN has_return THEN -age_s END AS purch_s,
        CASE WHEN has_return THEN 0 END AS retreq_s,
        CASE WHEN res_s IS NOT NULL AND u(i, 62) < CASE WHEN is_rep THEN 0.5 ELSE 0.3 END
             THEN {cut("res_s + round(lnorm(7200, 0.8, i, 63))")} END AS survey_s,
        CASE WHEN hreq THEN bot_s END AS hreq_s,
        CASE WHEN hreq THEN ans_s END AS hjoin_s
    FROM o
), q AS (
    SELECT *,
        CASE WHEN survey_s IS NOT NULL AND u(i, 64) < 0.55 THEN
            least(5, greatest(1, round(4.6
                - 0.7 * (coalesce(wait_s, 0) > 120)::INTEGER
                - 1.0 * (coalesce(wait_s, 0) > 300)::INTEGER
                - 0.7 * (transfers >= 2)::INTEGER
                - 0.6 * (escalations > 0)::INTEGER
                - 1.5 * (sf AND coalesce(rec_s - fail_s > 86400, true))::INTEGER
                - 0.8 * (res_s > 259200)::INTEGER
                - 0.5 * (coalesce(hold_s, 0) > 300)::INTEGER
                + 1.1 * nz(i, 65))))::INTEGER END AS csat
    FROM p
)
SELECT
    {select_list}
FROM (SELECT *, CASE WHEN csat IS NOT NULL AND u(i, 66) < 0.92 THEN
                least(10, greatest(0, round(2.2 * csat - 1 + 1.5 * nz(i, 67))))::INTEGER
                END AS nps
      FROM q)
"""
    return _hoist_draws(query)


def _hoist_draws(query: str) -> str:
    """Compute each per-row draw once, as a column of stage `r`, instead of inline.

    The query is written with u(i, s), nz(i, s), ex(i, s) and lnorm(med, sigma, i, s); each
    becomes a reference to a column u_s or z_s (a uniform, a standard normal) defined once.
    """
    uniforms: set[int] = set()
    normals: set[int] = set()

    def uniform(match: re.Match[str]) -> str:
        uniforms.add(int(match.group(1)))
        return f"u_{match.group(1)}"

    def exponential(match: re.Match[str]) -> str:
        uniforms.add(int(match.group(1)))
        return f"(-ln(u_{match.group(1)}))"

    def normal(match: re.Match[str]) -> str:
        normals.add(int(match.group(1)))
        return f"z_{match.group(1)}"

    head, sep, rest = query.partition("AS t0_rel\n")
    if not sep:
        raise RuntimeError("stage r of the sample query has no t0_rel")
    rest = re.sub(r"\bu\(i, (\d+)\)", uniform, rest)
    rest = re.sub(r"\bex\(i, (\d+)\)", exponential, rest)
    rest = re.sub(r"\bnz\(i, (\d+)\)", normal, rest)
    rest = re.sub(r", i, (\d+)\)", lambda m: f", {normal(m)})", rest)
    rest = rest.replace("lnorm(", "lnz(")
    if re.search(r"\b(u|ex|nz|lnorm)\(i,", rest):
        raise RuntimeError("a per-row draw was not hoisted")
    draws = [f"u(i, {s}) AS u_{s}" for s in sorted(uniforms)]
    draws += [f"nz(i, {s}) AS z_{s}" for s in sorted(normals)]
    return head + sep + ", " + ", ".join(draws) + rest
