#!/usr/bin/env bash
# The roll-up benchmark: Zengxiao and DuckDB on the same generated group, timed in one run.
#   bench/rollup.sh [ENTITIES] [MONTHS]     (default 10000 36)
# Prints both JSON lines, the speed ratio, and whether the root's six indicators agree.
set -euo pipefail
ENTITIES=${1:-10000}
MONTHS=${2:-36}
cd "$(dirname "$0")/.."

cargo build --release -p zx-cli --quiet
python3 -c "import duckdb" 2>/dev/null || python3 -m pip install --quiet duckdb

DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
./target/release/zx bench rollup --entities "$ENTITIES" --months "$MONTHS" --runs 5 \
    --write-csv "$DIR" > "$DIR/zx.json"
# DuckDB twice: exact ratios (as we compute them) and its native DECIMAL / DECIMAL → DOUBLE.
python3 bench/rollup_duckdb.py "$DIR" --ratios exact > "$DIR/duckdb.json"
python3 bench/rollup_duckdb.py "$DIR" --ratios double > "$DIR/duckdb-double.json"
cat "$DIR/zx.json" "$DIR/duckdb.json" "$DIR/duckdb-double.json"
python3 - "$DIR/zx.json" "$DIR/duckdb.json" "$DIR/duckdb-double.json" <<'PY'
import json, sys
from decimal import Decimal
zx = json.load(open(sys.argv[1]))
db = json.load(open(sys.argv[2]))
native = json.load(open(sys.argv[3]))
print(f"entities={zx['entities']} months={zx['months']} rows={zx['rows_in']}")
print(f"zengxiao               best {zx['best_s']:.3f}s median {zx['median_s']:.3f}s ({zx['results']} indicator values, {zx['threads']} threads)")
print(f"duckdb exact ratios    best {db['best_s']:.3f}s median {db['median_s']:.3f}s ({db['results']} rows x 6, {db['threads']} threads)")
print(f"duckdb double ratios   best {native['best_s']:.3f}s median {native['median_s']:.3f}s")
print(f"speed-up vs exact DuckDB:  {db['best_s'] / zx['best_s']:.1f}x")
print(f"speed-up vs native DuckDB: {native['best_s'] / zx['best_s']:.1f}x")
agree = True
for key, ours in zx["checksum"].items():
    theirs = db["checksum"].get(key)
    if ours is None or theirs is None:
        agree = agree and ours == theirs
        continue
    same = abs(Decimal(ours) - Decimal(str(theirs))) <= Decimal("1e-9") * max(Decimal(1), abs(Decimal(ours)))
    agree = agree and same
    print(f"  {key:22} zengxiao {ours:>28}  duckdb {theirs}")
print("root indicators agree" if agree else "ROOT INDICATORS DIFFER")
PY
