#!/usr/bin/env bash
# The compliance-engine benchmark: Zengxiao and DuckDB on the same synthetic minutes, one run.
#   bench/cems_engine.sh [STACKS] [DAYS]     (default 20 30: 6,048,000 minute readings)
# Prints both JSON lines, readings/s of each, the speed ratio, and whether the results agree.
set -euo pipefail
STACKS=${1:-20}
DAYS=${2:-30}
cd "$(dirname "$0")/.."

cargo build --release -p zx-cli --quiet
python3 -c "import duckdb" 2>/dev/null || python3 -m pip install --quiet duckdb

DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
ZX=${CARGO_TARGET_DIR:-target}/release/zx
"$ZX" bench cems --stacks "$STACKS" --days "$DAYS" --runs 5 --threads 2 \
    --write-csv "$DIR/minutes.csv" > "$DIR/zx.json"
python3 bench/cems_duckdb.py "$DIR/minutes.csv" --threads 2 --runs 3 > "$DIR/duckdb.json"
cat "$DIR/zx.json" "$DIR/duckdb.json"
python3 - "$DIR/zx.json" "$DIR/duckdb.json" <<'PY'
import json, sys
from decimal import Decimal
zx = json.load(open(sys.argv[1]))
db = json.load(open(sys.argv[2]))
print(f"stacks={zx['stacks']} days={zx['days']} readings={zx['readings']:,}")
print(f"zengxiao  best {zx['best_s']:.3f}s median {zx['median_s']:.3f}s  {zx['readings_per_s'] / 1e6:.2f} M readings/s ({zx['threads']} threads)")
print(f"duckdb    best {db['best_s']:.3f}s median {db['median_s']:.3f}s  {db['readings_per_s'] / 1e6:.2f} M readings/s ({db['threads']} threads, load {db['load_s']:.2f}s not counted)")
print(f"speed-up vs DuckDB: {db['best_s'] / zx['best_s']:.1f}x")

def close(ours, theirs):
    if ours is None or theirs is None:
        return ours is None and theirs is None
    ours, theirs = Decimal(str(ours)), Decimal(str(theirs))
    return abs(ours - theirs) <= Decimal("1e-9") * max(Decimal(1), abs(ours))

a, b = zx["checksum"], db["checksum"]
checks = [
    ("valid hours", a["valid_hours"] == b["valid_hours"], a["valid_hours"], b["valid_hours"]),
    ("valid days", a["valid_days"] == b["valid_days"], a["valid_days"], b["valid_days"]),
    ("sum of daily averages", close(a["daily_avg_sum"], b["daily_avg_sum"]), a["daily_avg_sum"], b["daily_avg_sum"]),
]
for key, ours in sorted(a["sample"].items()):
    theirs = b["sample"].get(key, {})
    for field in ("daily_avg", "hour_00", "valid_hours"):
        checks.append((f"{key} {field}", close(ours.get(field), theirs.get(field)), ours.get(field), theirs.get(field)))
agree = True
for name, same, ours, theirs in checks:
    agree = agree and same
    print(f"  {'ok ' if same else 'DIFF'} {name:40} zengxiao {ours}  duckdb {theirs}")
print("results agree" if agree else "RESULTS DIFFER")
sys.exit(0 if agree else 1)
PY
