#!/usr/bin/env python3
"""The DuckDB side of the benchmarking benchmark (`zx bench benchmark`).

    python3 bench/benchmark_duckdb.py DIR [--threads 2] [--runs 3]

Needs `pip install duckdb`. Loads DIR/entities.csv and DIR/data.csv (the import formats of
kpi.md and operations.md, month basis, as `zx bench benchmark --write-csv DIR` writes them) into
DuckDB tables, then times ONE SQL pipeline that does what `zx benchmark` does for each of the ten
operating indicators of operations.md at the root, year to date at the last month:

  1. each plant's year-to-date flows (sum from January) and month-end stocks;
  2. the indicator per plant, among the plants of the indicator's segments, a zero or missing
     denominator making it unavailable (left out of the statistics);
  3. n, min, q1, median, q3, max with `quantile_cont` (Excel's QUARTILE.INC), and each plant's
     rank in the indicator's direction (`rank()`: ties share the best rank) into a table.

Amounts are DECIMAL(38,10); DuckDB divides decimals into a DOUBLE, so its quartiles are compared
with the engine's exact ones to a relative 1e-9. Loading is timed separately and not counted.

Prints one JSON line:
  {"tool":"duckdb","version":…,"threads":…,"plants":…,"rows_in":…,"load_s":…,"best_s":…,
   "median_s":…,"runs_s":[…],"stats":{"<indicator>":{"n":…,"min":…,"q1":…,"median":…,"q3":…,
   "max":…},…}}
"""

import argparse
import json
import statistics
import time

import duckdb

# id → (numerator SQL, denominator SQL, segments, better); columns are the plant's YTD flows
# (f_<item>) and month-end stocks (e_<item>), `days` the days from 1 January.
INDICATORS = {
    "on_grid_per_tonne": ("f_power_on_grid_mwh * 1000", "f_waste_incinerated_t",
                          ["waste-to-energy"], "higher"),
    "self_use_rate": ("f_power_generated_mwh - f_power_on_grid_mwh", "f_power_generated_mwh",
                      ["waste-to-energy", "solar", "wind"], "lower"),
    "wte_load_rate": ("f_waste_incinerated_t", "e_design_capacity_tpd * days",
                      ["waste-to-energy"], "higher"),
    "cost_per_tonne": ("f_operating_cost", "f_waste_incinerated_t", ["waste-to-energy"], "lower"),
    "power_per_m3": ("f_power_consumed_mwh * 1000", "f_water_treated_m3", ["water"], "lower"),
    "water_load_rate": ("f_water_treated_m3", "e_design_capacity_m3d * days", ["water"], "higher"),
    "cost_per_m3": ("f_operating_cost", "f_water_treated_m3", ["water"], "lower"),
    "utilisation_hours": ("f_power_generated_mwh", "e_installed_capacity_mw", ["solar", "wind"],
                          "higher"),
    "curtailment_rate": ("f_curtailed_mwh", "f_power_generated_mwh + f_curtailed_mwh",
                         ["solar", "wind"], "lower"),
    "cost_per_mwh": ("f_operating_cost", "f_power_generated_mwh",
                     ["waste-to-energy", "solar", "wind"], "lower"),
}
FLOWS = ["waste_incinerated_t", "power_generated_mwh", "power_on_grid_mwh", "water_treated_m3",
         "power_consumed_mwh", "curtailed_mwh", "operating_cost"]
STOCKS = ["design_capacity_tpd", "design_capacity_m3d", "installed_capacity_mw"]


def pipeline(last):
    """The SQL of one run: per-plant YTD columns, then every indicator's values, statistics and
    ranks."""
    year = last[:4]
    flows = ",\n".join(
        f"SUM(CASE WHEN item = '{i}' THEN value END) AS f_{i}" for i in FLOWS)
    stocks = ",\n".join(
        f"MAX(CASE WHEN item = '{i}' AND period = '{last}' THEN value END) AS e_{i}"
        for i in STOCKS)
    parts = []
    for ident, (num, den, segments, better) in INDICATORS.items():
        segs = ", ".join(f"'{s}'" for s in segments)
        order = "DESC" if better == "higher" else "ASC"
        parts.append(f"""
        SELECT '{ident}' AS indicator, code, segment,
               CASE WHEN ({den}) IS NULL OR ({den}) = 0 OR ({num}) IS NULL THEN NULL
                    ELSE ({num})::DOUBLE / ({den})::DOUBLE END AS v,
               '{order}' AS dir
        FROM ytd WHERE segment IN ({segs})""")
    values = " UNION ALL ".join(parts)
    return f"""
    CREATE OR REPLACE TEMP TABLE ytd AS
      SELECT e.code, e.segment,
             date_diff('day', DATE '{year}-01-01', DATE '{last}-01' + INTERVAL 1 MONTH) AS days,
             {flows},
             {stocks}
      FROM entities e JOIN data d ON d.entity = e.code
      WHERE e.kind = 'plant' AND d.period BETWEEN '{year}-01' AND '{last}'
      GROUP BY e.code, e.segment;
    CREATE OR REPLACE TEMP TABLE vals AS {values};
    CREATE OR REPLACE TEMP TABLE stats AS
      SELECT indicator, COUNT(v) AS n, MIN(v) AS min,
             quantile_cont(v, 0.25) AS q1, quantile_cont(v, 0.5) AS median,
             quantile_cont(v, 0.75) AS q3, MAX(v) AS max
      FROM vals GROUP BY indicator;
    CREATE OR REPLACE TEMP TABLE ranks AS
      SELECT indicator, code, v,
             CASE WHEN dir = 'DESC' THEN rank() OVER (PARTITION BY indicator ORDER BY v DESC)
                  ELSE rank() OVER (PARTITION BY indicator ORDER BY v ASC) END AS rank
      FROM vals WHERE v IS NOT NULL;
    """


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    con = duckdb.connect()
    con.execute(f"SET threads TO {args.threads}")
    t0 = time.perf_counter()
    con.execute(f"""CREATE TABLE entities AS SELECT * FROM read_csv('{args.dir}/entities.csv',
        header = true, all_varchar = true)""")
    con.execute(f"""CREATE TABLE data AS SELECT entity, period, item,
        value::DECIMAL(38,10) AS value FROM read_csv('{args.dir}/data.csv', header = true,
        all_varchar = true)""")
    load_s = time.perf_counter() - t0
    rows_in = con.execute("SELECT COUNT(*) FROM data").fetchone()[0]
    plants = con.execute("SELECT COUNT(*) FROM entities WHERE kind = 'plant'").fetchone()[0]
    last = con.execute("SELECT MAX(period) FROM data").fetchone()[0]

    runs = []
    sql = pipeline(last)
    for _ in range(args.runs):
        t = time.perf_counter()
        con.execute(sql)
        runs.append(time.perf_counter() - t)
    stats = {}
    for row in con.execute(
            "SELECT indicator, n, min, q1, median, q3, max FROM stats ORDER BY indicator").fetchall():
        ident, n, lo, q1, median, q3, hi = row
        stats[ident] = {"n": n, "min": lo, "q1": q1, "median": median, "q3": q3, "max": hi}
    print(json.dumps({
        "tool": "duckdb", "version": duckdb.__version__, "threads": args.threads,
        "plants": plants, "rows_in": rows_in, "period": last, "load_s": load_s,
        "best_s": min(runs), "median_s": statistics.median(runs), "runs_s": runs,
        "stats": stats,
    }, sort_keys=True))


if __name__ == "__main__":
    main()
