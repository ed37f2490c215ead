#!/usr/bin/env python3
"""The DuckDB side of bench/cems_archive.sh: a stack-month's hourly and daily averages straight
from the minute store's Parquet archive.

    python3 bench/cems_archive_duckdb.py STORE_DIR MN [--threads 2] [--runs 5] [--zx-json FILE]

Needs `pip install duckdb` (tested with duckdb 2.0.1).

Each run reads `STORE_DIR/archive/mn=<MN>/*/*.parquet` (Hive-partitioned; columns minute, code,
value DECIMAL(18,6), flag) from the files and computes, as the compliance engine does
(cems.md steps 2-5):

  1. valid minutes: flag N or S; O2 (a19001) valid and below 21 %;
  2. correction: value * 10 / (21 - O2) of the same minute (GB 18485: reference O2 11 %);
  3. hourly averages of the five pollutants, kept when at least 45 corrected minutes are valid;
  4. daily averages of the valid hourly averages, when at least 20 hours are valid (the count
     of valid hours is kept for every day);

materialised into two tables and fetched. DuckDB divides decimals into a DOUBLE, so its averages
are floating point (the engine's are exact decimals).

With --zx-json (the output of `zx cems check --format json` on the same stack-month), every hourly
average, daily average and count of valid hours is compared: DuckDB's value rounded half away
from zero to 3 places must equal the engine's string.

Prints one JSON line: {"tool","version","threads","days","best_s","median_s","runs_s",
"compare":{…}}.
"""

import argparse
import json
import statistics
import time
from decimal import ROUND_HALF_UP, Decimal

import duckdb

POLLUTANTS = ("a34013", "a21002", "a21026", "a21024", "a21005")


def pipeline(source):
    return f"""
CREATE OR REPLACE TEMP TABLE hourly AS
WITH m AS (
    SELECT minute, code, value, flag FROM {source}
), o2 AS (
    SELECT minute, value AS o2 FROM m
    WHERE code = 'a19001' AND flag IN ('N', 'S') AND value < 21
), corrected AS (
    SELECT p.code, p.minute, p.value * 10 / (21 - o2.o2) AS c
    FROM m p JOIN o2 ON p.minute = o2.minute
    WHERE p.code IN {POLLUTANTS} AND p.flag IN ('N', 'S')
)
SELECT code, date_trunc('hour', minute) AS hour, avg(c) AS avg, count(*) AS minutes
FROM corrected
GROUP BY code, date_trunc('hour', minute)
HAVING count(*) >= 45;

CREATE OR REPLACE TEMP TABLE daily AS
SELECT code, CAST(hour AS DATE) AS day,
       CASE WHEN count(*) >= 20 THEN avg(avg) END AS avg, count(*) AS valid_hours
FROM hourly
GROUP BY code, CAST(hour AS DATE);
"""


def round3(value):
    """A DOUBLE as the engine prints a decimal: 3 places, half away from zero."""
    return str(Decimal(repr(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def compare(zx, mn, hourly, daily):
    """Every hour, day and factor of the engine's JSON against DuckDB's tables."""
    days = zx["stacks"][mn]["days"]
    out = {"hourly": 0, "hourly_equal": 0, "hourly_none_both": 0, "hourly_max_diff": "0",
           "daily": 0, "daily_equal": 0, "valid_hours_equal": 0, "differences": [], "sample": []}
    max_diff = Decimal(0)
    for day, verdict in sorted(days.items()):
        for code in POLLUTANTS:
            factor = verdict["factors"].get(code)
            if factor is None:
                continue
            for hh, ours in sorted(factor["hourly"].items()):
                theirs = hourly.get((code, day, int(hh)))
                out["hourly"] += 1
                if ours is None and theirs is None:
                    out["hourly_none_both"] += 1
                    out["hourly_equal"] += 1
                    continue
                same = ours is not None and theirs is not None and round3(theirs) == ours
                if ours is not None and theirs is not None:
                    max_diff = max(max_diff, abs(Decimal(ours) - Decimal(repr(theirs))))
                if same:
                    out["hourly_equal"] += 1
                elif len(out["differences"]) < 10:
                    out["differences"].append({"at": f"{day} {hh}", "code": code, "zx": ours, "duckdb": theirs})
            d = daily.get((code, day))
            their_avg = d[0] if d else None
            their_hours = d[1] if d else 0
            out["daily"] += 1
            if (factor["daily_avg"] is None and their_avg is None) or (
                factor["daily_avg"] is not None and their_avg is not None
                and round3(their_avg) == factor["daily_avg"]
            ):
                out["daily_equal"] += 1
            elif len(out["differences"]) < 10:
                out["differences"].append({"at": day, "code": code, "zx": factor["daily_avg"], "duckdb": their_avg})
            if factor["valid_hours"] == their_hours:
                out["valid_hours_equal"] += 1
    out["hourly_max_diff"] = str(max_diff)
    # A few hours of the first and a middle day, shown in the report.
    ordered = sorted(days)
    for day, hh, code in ((ordered[0], "00", "a21002"), (ordered[0], "08", "a21026"),
                          (ordered[len(ordered) // 2], "13", "a34013"),
                          (ordered[-1], "23", "a21005")):
        theirs = hourly.get((code, day, int(hh)))
        out["sample"].append({
            "at": f"{day} {hh}:00", "code": code,
            "zx": days[day]["factors"].get(code, {}).get("hourly", {}).get(hh),
            "duckdb": None if theirs is None else repr(theirs),
        })
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("mn")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--zx-json")
    args = parser.parse_args()

    source = (
        f"read_parquet('{args.store}/archive/mn={args.mn}/*/*.parquet', "
        "hive_partitioning=true, hive_types={'mn': 'VARCHAR'})"
    )
    sql = pipeline(source)
    con = duckdb.connect()
    con.execute(f"SET threads TO {args.threads}")
    runs = []
    for _ in range(args.runs):
        t = time.perf_counter()
        con.execute(sql)
        hourly_rows = con.execute("SELECT code, hour, avg FROM hourly").fetchall()
        daily_rows = con.execute("SELECT code, day, avg, valid_hours FROM daily").fetchall()
        runs.append(time.perf_counter() - t)

    hourly = {(code, hour.date().isoformat(), hour.hour): avg for code, hour, avg in hourly_rows}
    daily = {(code, day.isoformat()): (avg, hours) for code, day, avg, hours in daily_rows}
    result = {
        "tool": "duckdb",
        "version": duckdb.__version__,
        "threads": args.threads,
        "days": len({day for _, day in daily}),
        "valid_hours": len(hourly),
        "best_s": min(runs),
        "median_s": statistics.median(runs),
        "runs_s": runs,
    }
    if args.zx_json:
        with open(args.zx_json) as f:
            result["compare"] = compare(json.load(f), args.mn, hourly, daily)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
