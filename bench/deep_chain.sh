#!/usr/bin/env bash
# Deep entity chains: a chain of N entities, each the parent of the next, with one month of
# profit at the bottom; `zx import` of the entities and the data, then `zx report` and `zx kpi`
# at the top (the leaf's profit consolidated through every level). DuckDB (PyPI) loads the same
# CSV and walks the same chain with a recursive CTE in the same run, as a reference. Best and
# median of RUNS runs each. See BENCHMARKS.md, "Deep entity chains".
#
#   bench/deep_chain.sh [DEPTHS] [RUNS]          # default: "1000 8000 20000", 3 runs
#   ZX_BIN=target/release/zx bench/deep_chain.sh  # an existing binary, no build
set -euo pipefail
cd "$(dirname "$0")/.."
DEPTHS=${1:-"1000 8000 20000"}
RUNS=${2:-3}
WORK=$(mktemp -d /tmp/zx-bench-chain.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
if [ -z "${ZX_BIN:-}" ]; then
    cargo build --release -q -p zx-cli
    ZX_BIN="${CARGO_TARGET_DIR:-target}/release/zx"
fi
ZX=$(realpath "$ZX_BIN")
export ZX_USER=bench ZX_LANG=en

timed() {
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null || { echo "failed: $*" >&2; return 1; }
    e=$(date +%s.%N)
    echo "$e - $s" | bc
}
# best and median of the numbers on stdin
stats() { sort -g | awk '{a[NR]=$1} END {printf "best %.2f s, median %.2f s", a[1], a[int((NR+1)/2)]}'; }

for N in $DEPTHS; do
    python3 - "$N" "$WORK/chain.csv" "$WORK/leaf.csv" <<'EOF'
import sys
n = int(sys.argv[1])
with open(sys.argv[2], "w") as f:
    f.write("code,name,parent,kind\nC0,Chain,,group\n")
    for i in range(1, n):
        f.write(f"C{i},Unit {i},C{i - 1},{'plant' if i == n - 1 else 'subsidiary'}\n")
with open(sys.argv[3], "w") as f:
    f.write(f"entity,period,item,value\nC{n - 1},2026-01,total_profit,123.45\n")
EOF
    : > "$WORK/import.t"; : > "$WORK/report.t"; : > "$WORK/kpi.t"; : > "$WORK/duck.t"
    for _ in $(seq "$RUNS"); do
        rm -f "$WORK/c.db"*
        "$ZX" init --db "$WORK/c.db" >/dev/null
        timed "$ZX" import --db "$WORK/c.db" "$WORK/chain.csv" "$WORK/leaf.csv" >> "$WORK/import.t"
        timed "$ZX" report --db "$WORK/c.db" --period 2026-01 >> "$WORK/report.t"
        timed "$ZX" kpi --db "$WORK/c.db" --entity C0 --period 2026-01 >> "$WORK/kpi.t"
        python3 - "$WORK/chain.csv" "$WORK/leaf.csv" >> "$WORK/duck.t" <<'EOF'
import sys, time, duckdb
start = time.perf_counter()
con = duckdb.connect()
con.execute(f"CREATE TABLE e AS SELECT * FROM read_csv('{sys.argv[1]}', all_varchar=true)")
con.execute(f"CREATE TABLE d AS SELECT * FROM read_csv('{sys.argv[2]}', types={{'value': 'DECIMAL(18,2)'}})")
# Every ancestor of each row's entity, by a recursive walk up the chain: the profit at the top.
top = con.execute("""
    WITH RECURSIVE up(entity, node, value) AS (
        SELECT d.entity, d.entity, d.value FROM d
        UNION ALL
        SELECT up.entity, e.parent, up.value FROM up JOIN e ON e.code = up.node
        WHERE e.parent IS NOT NULL
    )
    SELECT sum(value) FROM up WHERE node = 'C0'""").fetchone()[0]
assert str(top) == "123.45", top
print(time.perf_counter() - start)
EOF
    done
    echo "chain of $N: import $(stats < "$WORK/import.t"); report $(stats < "$WORK/report.t"); kpi at the top $(stats < "$WORK/kpi.t"); DuckDB load + recursive walk $(stats < "$WORK/duck.t")"
done
