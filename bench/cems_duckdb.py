#!/usr/bin/env python3
"""The DuckDB side of the compliance-engine benchmark (`zx bench cems`).

    python3 bench/cems_duckdb.py MINUTES.csv [--threads 2] [--runs 3]

Needs `pip install duckdb` (tested with duckdb 2.0.1).

Loads the minute CSV (`time,mn,code,value,flag`, as `zx bench cems --write-csv` writes it) into a
DuckDB table (timed separately as load_s, not counted), then times ONE SQL pipeline doing the
averaging part of what the engine does (cems.md steps 2-5), materialised into tables:

  1. valid minutes: flag N or S; O2 (a19001) valid and below 21 %;
  2. correction: value * 10 / (21 - O2) of the same minute (GB 18485: reference O2 11 %);
  3. hourly averages of the five pollutants, kept when at least 45 corrected minutes are valid;
  4. daily averages of the valid hourly averages, kept when at least 20 hours are valid.

The engine does more in its timed run (the furnace 5-minute rule, hour and day exceedances,
violation days, capture rates, all 24 hours listed); DuckDB is given only the averages.
Values are DECIMAL(18,4); DuckDB divides decimals into a DOUBLE, so its averages are floating
point (the engine's are exact decimals): they are compared to a relative 1e-9.

DuckDB is limited to --threads threads (default 2: the benchmark machine has 2 cores).
Prints one JSON line:
  {"tool":"duckdb","version":…,"threads":…,"readings":…,"load_s":…,"best_s":…,"median_s":…,
   "runs_s":[…],"readings_per_s":…,"checksum":{"valid_hours":…,"valid_days":…,"daily_avg_sum":…,
   "sample":{"MN DAY CODE":{"daily_avg":…,"hour_00":…,"valid_hours":…}}}}
"""

import argparse
import json
import statistics
import time

import duckdb

POLLUTANTS = ("a34013", "a21002", "a21026", "a21024", "a21005")

PIPELINE = f"""
CREATE OR REPLACE TEMP TABLE hourly AS
WITH o2 AS (
    SELECT mn, time, value AS o2
    FROM minutes
    WHERE code = 'a19001' AND flag IN ('N', 'S') AND value < 21
), corrected AS (
    SELECT p.mn, p.code, p.time, p.value * 10 / (21 - o2.o2) AS c
    FROM minutes p JOIN o2 ON p.mn = o2.mn AND p.time = o2.time
    WHERE p.code IN {POLLUTANTS} AND p.flag IN ('N', 'S')
)
SELECT mn, code, date_trunc('hour', time) AS hour, avg(c) AS avg, count(*) AS minutes
FROM corrected
GROUP BY mn, code, date_trunc('hour', time)
HAVING count(*) >= 45;

CREATE OR REPLACE TEMP TABLE daily AS
SELECT mn, code, CAST(hour AS DATE) AS day, avg(avg) AS avg, count(*) AS valid_hours
FROM hourly
GROUP BY mn, code, CAST(hour AS DATE)
HAVING count(*) >= 20;
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("csv")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    con = duckdb.connect()
    con.execute(f"SET threads TO {args.threads}")
    t0 = time.perf_counter()
    con.execute(
        """
        CREATE TABLE minutes AS SELECT * FROM read_csv(?, header = true, columns = {
            'time': 'TIMESTAMP', 'mn': 'VARCHAR', 'code': 'VARCHAR',
            'value': 'DECIMAL(18,4)', 'flag': 'VARCHAR'
        }, timestampformat = '%Y-%m-%dT%H:%M')
        """,
        [args.csv],
    )
    load_s = time.perf_counter() - t0
    readings = con.execute("SELECT count(*) FROM minutes").fetchone()[0]

    runs = []
    for _ in range(args.runs):
        t = time.perf_counter()
        con.execute(PIPELINE)
        runs.append(time.perf_counter() - t)

    valid_hours = con.execute("SELECT count(*) FROM hourly").fetchone()[0]
    valid_days, daily_sum = con.execute("SELECT count(*), sum(avg) FROM daily").fetchone()
    first_mn, first_day = con.execute(
        "SELECT mn, CAST(min(time) AS DATE) FROM minutes GROUP BY mn ORDER BY mn LIMIT 1"
    ).fetchone()
    sample = {}
    for code in sorted(POLLUTANTS):
        hours = con.execute(
            "SELECT count(*) FROM hourly WHERE mn = ? AND code = ? AND CAST(hour AS DATE) = ?",
            [first_mn, code, first_day],
        ).fetchone()[0]
        daily = con.execute(
            "SELECT avg FROM daily WHERE mn = ? AND code = ? AND day = ?",
            [first_mn, code, first_day],
        ).fetchone()
        hour0 = con.execute(
            "SELECT avg FROM hourly WHERE mn = ? AND code = ? AND hour = CAST(? AS TIMESTAMP)",
            [first_mn, code, first_day],
        ).fetchone()
        sample[f"{first_mn} {first_day} {code}"] = {
            "daily_avg": daily[0] if daily else None,
            "hour_00": hour0[0] if hour0 else None,
            "valid_hours": hours,
        }
    best = min(runs)
    print(
        json.dumps(
            {
                "tool": "duckdb",
                "version": duckdb.__version__,
                "threads": args.threads,
                "readings": readings,
                "load_s": load_s,
                "best_s": best,
                "median_s": statistics.median(runs),
                "runs_s": runs,
                "readings_per_s": round(readings / best),
                "checksum": {
                    "valid_hours": valid_hours,
                    "valid_days": valid_days,
                    "daily_avg_sum": daily_sum,
                    "sample": sample,
                },
            },
            default=float,
        )
    )


if __name__ == "__main__":
    main()
