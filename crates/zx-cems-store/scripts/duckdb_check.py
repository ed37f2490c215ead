#!/usr/bin/env python3
"""Reads a minute store's Parquet archive with DuckDB, to show other engines read it as written.

Usage: python3 -m pip install duckdb
       cargo run --release -p zx-cems-store --example bench -- --keep /tmp/cems-bench
       python3 crates/zx-cems-store/scripts/duckdb_check.py /tmp/cems-bench/day

Prints per (mn, date) count(*) and sum(value) for the first partitions, the totals (to compare
with the "archive of the day: N rows, sum(value) = S" line of the bench), and the column types
DuckDB sees (TIMESTAMP, VARCHAR, DECIMAL(18,6), VARCHAR).
"""
import sys

import duckdb

store = sys.argv[1] if len(sys.argv) > 1 else "/tmp/cems-bench/day"
glob = f"{store}/archive/*/*/*.parquet"
con = duckdb.connect()
# MNs are often all digits (88888880000001): without hive_types DuckDB would cast them to BIGINT
# and drop leading zeros.
src = f"read_parquet('{glob}', hive_partitioning=true, hive_types={{'mn': 'VARCHAR', 'date': 'DATE'}})"

for row in con.sql(f"DESCRIBE SELECT * FROM {src}").fetchall():
    print("column", row[0], row[1])
rows = con.sql(
    f"SELECT mn, date, count(*), sum(value) FROM {src} GROUP BY ALL ORDER BY mn, date LIMIT 3"
).fetchall()
for mn, date, count, total in rows:
    print(mn, date, count, total)
count, total = con.sql(f"SELECT count(*), sum(value) FROM {src}").fetchall()[0]
print(f"total: {count} rows, sum(value) = {total}")
print(con.sql(f"SELECT minute, code, value, flag FROM {src} ORDER BY mn, minute, code LIMIT 3").fetchall())
