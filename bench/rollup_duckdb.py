#!/usr/bin/env python3
"""The DuckDB side of the roll-up benchmark (`zx bench rollup`).

    python3 bench/rollup_duckdb.py DIR [--threads 2] [--runs 3] [--ratios exact|double]
                                       [--amounts decimal|fixed] [--dump FILE]

Needs `pip install duckdb` (tested with duckdb 2.0.1).

Loads DIR/entities.csv and DIR/data.csv (the import formats of kpi.md, as written by
`zx_demo::write_csv`) into DuckDB tables, then times ONE SQL pipeline that does what the Zengxiao
engine does, for every entity and every month:

  1. the ancestor closure of the group tree (recursive CTE);
  2. each entity's own monthly amounts (year-to-date rows de-cumulated);
  3. consolidation: own rows + every descendant's, per item and month, with completeness
     (a total is missing when any leaf below has no row for that item and month);
  4. year-to-date flows, month-end and opening (December of last year) balances, the
     year-to-date average headcount;
  5. the six indicators of kpi.md on the ytd basis, materialised into a temporary table.

Amounts are DECIMAL(38,10), never DOUBLE (`--amounts fixed` holds the same 128-bit integers as a
HUGEINT counting 10^-10 yuan, which spares converting them before division). DuckDB divides
decimals into a DOUBLE, so by default (`--ratios exact`) the five ratios are computed by exact long
division on 128-bit integers to 20 decimal places (truncated): they then equal the engine's to the
last of 12 places. `--ratios double` uses DuckDB's own `/` (a DOUBLE), for comparison: faster, but
e.g. labour productivity differs from the exact value around the 10th decimal.

Loading is timed separately and not counted. The pipeline is run `--runs` times (default 3);
the best and the median are reported. DuckDB is limited to `--threads` threads (default 2: the
benchmark machine has 2 cores).

Prints one JSON line:
  {"tool":"duckdb","version":…,"threads":…,"entities":…,"months":…,"rows_in":…,"results":…,
   "load_s":…,"best_s":…,"median_s":…,"runs_s":[…],"ratios":…,"amounts":…,
   "checksum":{"entity":…,"month":…,"total_profit":…,…}}
where the checksum holds the root entity's six values for the last month, as strings rounded
half-even to 12 decimal places (null when unavailable), to compare with the engine's.

Known simplification: a series (entity, item, year) is expected to be filed on one basis; a `ytd`
row is de-cumulated against the previous month's `ytd` row only (the engine also handles a `ytd`
row following `month` rows). The generated benchmark data files every row on the `month` basis.

`--dump FILE` also writes every value (entity,period,indicator,value; 12 places) to compare with
the engine's (`ZX_DUMP=FILE cargo run --release -p zx-demo --example engine_checksum -- N M`).
"""

import argparse
import json
import statistics
import sys
import time
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import duckdb

INDICATORS = [
    "total_profit",
    "asset_liability_ratio",
    "roe",
    "rd_intensity",
    "labour_productivity",
    "operating_cash_ratio",
]

# The default catalogue's reported items and their kinds (catalogue/default.toml).
ITEMS = {
    "operating_revenue": "flow",
    "total_profit": "flow",
    "net_profit": "flow",
    "operating_cash_flow": "flow",
    "rd_expenditure": "flow",
    "value_added": "flow",
    "avg_employees": "average",
    "total_assets": "stock",
    "total_liabilities": "stock",
}

# Short column names for the pivot.
COLUMNS = {
    "operating_revenue": "rev",
    "total_profit": "tp",
    "net_profit": "np",
    "operating_cash_flow": "ocf",
    "rd_expenditure": "rd",
    "value_added": "va",
    "avg_employees": "emp",
    "total_assets": "ta",
    "total_liabilities": "tl",
}

# How amounts are held: DECIMAL(38,10), or (`--amounts fixed`) the very same 128-bit integer a
# DECIMAL(38,10) stores, as a HUGEINT counting 10^-10 yuan: equally exact, but the ratios need no
# conversion before the long division.
AMOUNT_TYPES = {"decimal": "DECIMAL(38,10)", "fixed": "HUGEINT"}

# The five ratios: (indicator, numerator, denominator) over the columns of `operands`.
RATIOS = [
    ("asset_liability_ratio", "tl", "ta"),
    ("roe", "roe_n", "roe_d"),
    ("rd_intensity", "rd", "rev"),
    ("labour_productivity", "lp_n", "lp_d"),
    ("operating_cash_ratio", "ocf", "rev"),
]
OPERANDS = ["tl", "ta", "roe_n", "roe_d", "rd", "rev", "lp_n", "lp_d", "ocf"]

TEN = "10000000000"  # 10^10


def division_sql(mode, amounts):
    """The CTEs after `operands` and the final SELECT computing the five ratios.

    exact: DuckDB divides DECIMALs into a DOUBLE, so each operand is turned once into its 128-bit
    fixed-point integer (|value| × 10^10, what a DECIMAL(38,10) holds) and each quotient is computed
    by long division in two steps of ten digits, one CTE per step so every intermediate is computed
    once: 20 decimals, truncated; no overflow below 1.7e18 yuan. Division by zero gives NULL.
    double: DuckDB's own `/` (a DOUBLE), for comparison.
    """
    profit = "total_profit"
    if amounts == "fixed":
        profit = f"CAST(total_profit AS DECIMAL(38,0)) * 0.0000000001 AS total_profit"
    if mode == "double":
        cols = ",\n    ".join(
            f"CASE WHEN {d} <> 0 THEN {n} / {d} END AS {name}" for name, n, d in RATIOS
        )
        return f"\nSELECT entity, ord, {profit},\n    {cols}\nFROM operands"
    fixed = "abs({c})" if amounts == "fixed" else f"CAST(abs({{c}}) * {TEN} AS HUGEINT)"
    scaled = ",\n        ".join(
        f"{fixed.format(c=c)} AS {c}_a, {c} < 0 AS {c}_neg" for c in OPERANDS
    )
    step0 = ",\n        ".join(
        f"{n}_a // {d}_a AS {name}_q0, ({n}_a % {d}_a) * {TEN} AS {name}_r0, "
        f"{d}_a AS {name}_d, {n}_neg <> {d}_neg AS {name}_neg"
        for name, n, d in RATIOS
    )
    step1 = ",\n        ".join(
        f"{name}_q0, {name}_r0 // {name}_d AS {name}_q1, ({name}_r0 % {name}_d) * {TEN} AS {name}_r1, "
        f"{name}_d, {name}_neg"
        for name, _, _ in RATIOS
    )
    final = ",\n    ".join(
        f"CASE WHEN {name}_neg THEN -1 ELSE 1 END * (CAST({name}_q0 AS DECIMAL(38,20)) + "
        f"CAST({name}_q1 * {TEN} + {name}_r1 // {name}_d AS DECIMAL(38,0)) "
        f"* 0.00000000000000000001) AS {name}"
        for name, _, _ in RATIOS
    )
    return f""",
fixed AS (
    SELECT entity, ord, total_profit,
        {scaled}
    FROM operands
),
step0 AS (
    SELECT entity, ord, total_profit,
        {step0}
    FROM fixed
),
step1 AS (
    SELECT entity, ord, total_profit,
        {step1}
    FROM step0
)
SELECT entity, ord, {profit},
    {final}
FROM step1"""


def load(con, directory, amounts):
    con.execute(
        f"""
        CREATE OR REPLACE TABLE entities AS
        SELECT code, NULLIF(trim(parent), '') AS parent
        FROM read_csv(?, header = true, all_varchar = true)
        """,
        [str(directory / "entities.csv")],
    )
    value = "CAST(value AS DECIMAL(38,10))"
    if amounts == "fixed":
        value = f"CAST({value} * {TEN} AS HUGEINT)"
    # The engine's input is parsed facts (Month values, Decimals, item and entity codes as text):
    # parse the period into a month ordinal (year * 12 + month - 1) here, outside the timing.
    con.execute(
        f"""
        CREATE OR REPLACE TABLE facts AS
        SELECT entity,
               CAST(substr(period, 1, 4) AS INTEGER) * 12
                 + CAST(substr(period, 6, 2) AS INTEGER) - 1 AS ord,
               item,
               {value} AS value,
               lower(coalesce(nullif(trim(basis), ''), 'month')) AS basis
        FROM read_csv(?, header = true, all_varchar = true)
        """,
        [str(directory / "data.csv")],
    )
    con.execute("CREATE OR REPLACE TABLE items (code VARCHAR, kind VARCHAR)")
    con.executemany("INSERT INTO items VALUES (?, ?)", list(ITEMS.items()))


def pipeline_sql(mode, amounts):
    division = division_sql(mode, amounts)
    pivot = ",\n      ".join(
        f"SUM(amount) FILTER (WHERE item = '{item}') AS {col}, "
        f"COUNT(amount) FILTER (WHERE item = '{item}') AS n_{col}"
        for item, col in COLUMNS.items()
    )
    consolidate = ",\n      ".join(
        f"SUM(w.{col}) AS {col}, SUM(CASE WHEN l.is_leaf THEN w.n_{col} ELSE 0 END) AS n_{col}"
        for col in COLUMNS.values()
    )
    complete = ",\n      ".join(
        f"CASE WHEN n_{col} = leaves THEN {col} END AS {col}" for col in COLUMNS.values()
    )
    flows = [c for item, c in COLUMNS.items() if ITEMS[item] in ("flow", "average")]
    running = ",\n      ".join(
        f"SUM({col}) OVER w AS {col}_ytd, COUNT({col}) OVER w AS {col}_n" for col in flows
    )
    ytd = lambda col: f"CASE WHEN y.{col}_n = y.m THEN y.{col}_ytd END"  # noqa: E731
    return f"""
CREATE OR REPLACE TEMP TABLE results AS
WITH RECURSIVE
closure(anc, des) AS (
    SELECT code, code FROM entities
    UNION ALL
    SELECT e.parent, c.des FROM closure c JOIN entities e ON e.code = c.anc
    WHERE e.parent IS NOT NULL
),
leaf AS (
    SELECT e.code, NOT EXISTS (SELECT 1 FROM entities c WHERE c.parent = e.code) AS is_leaf
    FROM entities e
),
leaves AS (
    SELECT c.anc AS entity, count(*) AS leaves
    FROM closure c JOIN leaf l ON l.code = c.des AND l.is_leaf
    GROUP BY c.anc
),
typed AS (
    SELECT f.entity, f.ord, f.item, f.value, f.basis, i.kind, f.ord // 12 AS yr, f.ord % 12 + 1 AS m
    FROM facts f JOIN items i ON i.code = f.item
),
-- Year-to-date rows of flows and averages, turned into cumulative sums, then de-cumulated against
-- the previous month's (only when that month is there: a gap makes the month missing).
cumulated AS (
    SELECT entity, ord, item, yr, m,
           CASE WHEN kind = 'average' THEN value * m ELSE value END AS cum
    FROM typed WHERE basis = 'ytd' AND kind <> 'stock'
),
decumulated AS (
    SELECT entity, ord, item,
           CASE WHEN m = 1 THEN cum
                WHEN lag(ord) OVER s = ord - 1 THEN cum - lag(cum) OVER s
           END AS amount
    FROM cumulated
    WINDOW s AS (PARTITION BY entity, item, yr ORDER BY ord)
),
monthly AS (
    SELECT entity, ord, item, value AS amount FROM typed WHERE basis <> 'ytd' OR kind = 'stock'
    UNION ALL
    SELECT entity, ord, item, amount FROM decumulated
),
wide AS (
    SELECT entity, ord,
      {pivot}
    FROM monthly GROUP BY entity, ord
),
cons AS (
    SELECT c.anc AS entity, w.ord,
      {consolidate}
    FROM wide w JOIN closure c ON c.des = w.entity JOIN leaf l ON l.code = w.entity
    GROUP BY c.anc, w.ord
),
consc AS (
    SELECT c.entity, c.ord, c.ord // 12 AS yr, c.ord % 12 + 1 AS m,
      {complete}
    FROM cons c JOIN leaves USING (entity)
),
ytd AS (
    SELECT entity, ord, yr, m, ta, tl, ta - tl AS na,
      {running}
    FROM consc
    WINDOW w AS (PARTITION BY entity, yr ORDER BY ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
operands AS (
    SELECT y.entity, y.ord,
        {ytd('tp')} AS total_profit,
        y.tl, y.ta,
        -- ROE is unavailable when average net assets are not positive.
        CASE WHEN (o.ta - o.tl) + y.na > 0 THEN 2 * {ytd('np')} END AS roe_n,
        (o.ta - o.tl) + y.na AS roe_d,
        {ytd('rd')} AS rd,
        {ytd('rev')} AS rev,
        -- value added / (headcount-months / months) = value added × months / headcount-months
        {ytd('va')} * y.m AS lp_n,
        {ytd('emp')} AS lp_d,
        {ytd('ocf')} AS ocf
    FROM ytd y
    -- The opening balance: December of last year. No opening month, no result row.
    JOIN consc o ON o.entity = y.entity AND o.ord = y.yr * 12 - 1
)
{division}
"""


def round12(value):
    if value is None:
        return None
    return str(Decimal(value).quantize(Decimal("1e-12"), rounding=ROUND_HALF_EVEN))


def month_text(ordinal):
    return f"{ordinal // 12:04d}-{ordinal % 12 + 1:02d}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ratios", choices=["exact", "double"], default="exact")
    parser.add_argument("--amounts", choices=sorted(AMOUNT_TYPES), default="decimal")
    parser.add_argument("--explain", action="store_true", help="print the plan and exit")
    parser.add_argument(
        "--dump", type=Path, help="also write every value (entity,period,indicator,value) to a CSV"
    )
    args = parser.parse_args()

    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")

    started = time.perf_counter()
    load(con, args.dir, args.amounts)
    load_s = time.perf_counter() - started

    sql = pipeline_sql(args.ratios, args.amounts)
    if args.explain:
        print(sql)
        print(con.execute("EXPLAIN " + sql.split(" AS\n", 1)[1]).fetchall()[0][1])
        return 0

    runs = []
    for _ in range(max(1, args.runs)):
        started = time.perf_counter()
        con.execute(sql)
        runs.append(time.perf_counter() - started)

    entities = con.execute("SELECT count(*) FROM entities").fetchone()[0]
    rows_in = con.execute("SELECT count(*) FROM facts").fetchone()[0]
    months = con.execute(
        "SELECT count(DISTINCT ord) FROM facts WHERE item IN ("
        + ", ".join(f"'{i}'" for i, k in ITEMS.items() if k == "flow")
        + ")"
    ).fetchone()[0]
    results = con.execute("SELECT count(*) FROM results").fetchone()[0]
    root = con.execute(
        "SELECT code FROM entities WHERE parent IS NULL ORDER BY code LIMIT 1"
    ).fetchone()[0]
    row = con.execute(
        f"SELECT ord, {', '.join(INDICATORS)} FROM results WHERE entity = ? "
        "ORDER BY ord DESC LIMIT 1",
        [root],
    ).fetchone()
    checksum = {"entity": root, "month": month_text(row[0]) if row else None}
    for name, value in zip(INDICATORS, row[1:] if row else [None] * len(INDICATORS)):
        checksum[name] = round12(value)

    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as out:
            out.write("entity,period,indicator,value\n")
            for entity, ordinal, *values in con.execute(
                f"SELECT entity, ord, {', '.join(INDICATORS)} FROM results ORDER BY entity, ord"
            ).fetchall():
                for name, value in zip(INDICATORS, values):
                    text = round12(value) or ""
                    out.write(f"{entity},{month_text(ordinal)},{name},{text}\n")

    print(
        json.dumps(
            {
                "tool": "duckdb",
                "version": duckdb.__version__,
                "threads": args.threads,
                "entities": entities,
                "months": months,
                "rows_in": rows_in,
                "results": results,
                "load_s": round(load_s, 4),
                "best_s": round(min(runs), 4),
                "median_s": round(statistics.median(runs), 4),
                "runs_s": [round(r, 4) for r in runs],
                "ratios": args.ratios,
                "amounts": AMOUNT_TYPES[args.amounts],
                "checksum": checksum,
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
