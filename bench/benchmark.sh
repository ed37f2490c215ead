#!/usr/bin/env bash
# Benchmarking plants (operations.md) at scale: `zx bench benchmark` and DuckDB on the same
# generated group, timed in one run.
#   bench/benchmark.sh [ENTITIES]     (default 10000; twelve months of 2026)
# Prints both JSON lines, the times, and whether every indicator's quartiles agree.
set -euo pipefail
ENTITIES=${1:-10000}
cd "$(dirname "$0")/.."

cargo build --release -p zx-cli --quiet
python3 -c "import duckdb" 2>/dev/null || python3 -m pip install --quiet duckdb

DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
./target/release/zx bench benchmark --entities "$ENTITIES" --runs 5 \
    --write-csv "$DIR" > "$DIR/zx.json"
python3 bench/benchmark_duckdb.py "$DIR" --runs 5 > "$DIR/duckdb.json"
cat "$DIR/zx.json" "$DIR/duckdb.json"
python3 - "$DIR/zx.json" "$DIR/duckdb.json" <<'PY'
import json, sys
from decimal import Decimal
zx = json.load(open(sys.argv[1]))
db = json.load(open(sys.argv[2]))
print(f"plants={zx['plants']} rows={zx['rows_in']} period={zx['period']} (year to date)")
print(f"zengxiao  10 indicators: best {zx['best_s']*1000:.1f} ms median {zx['median_s']*1000:.1f} ms"
      f" (+ ledger and consolidation {zx['engine_s']:.2f} s, once per import)")
print(f"duckdb    10 indicators: best {db['best_s']*1000:.1f} ms median {db['median_s']*1000:.1f} ms"
      f" ({db['threads']} threads; CSV load {db['load_s']:.2f} s not counted)")
agree = True
for ident, ours in sorted(zx["stats"].items()):
    theirs = db["stats"].get(ident)
    for key in ("n", "min", "q1", "median", "q3", "max"):
        a, b = ours[key], (theirs or {}).get(key)
        if key == "n":
            same = a == b
        else:
            same = b is not None and abs(Decimal(a) - Decimal(str(b))) <= Decimal("1e-9") * max(Decimal(1), abs(Decimal(a)))
        agree = agree and same
    print(f"  {ident:18} n {ours['n']:>5}  q1 {ours['q1']:>24}  median {ours['median']:>24}  q3 {ours['q3']:>24}")
print("quartiles agree" if agree else "QUARTILES DIFFER")
PY
