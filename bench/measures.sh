#!/usr/bin/env bash
# Action lists at scale: a group-wide list of N measures (release build, SQLite) imported,
# listed, shown and exported, evidence uploaded and downloaded; DuckDB (PyPI) loads the same CSV
# and computes the same summary in the same run, as a reference. See BENCHMARKS.md, "Measures".
#
#   bench/measures.sh [MEASURES] [RUNS]    # default: 20000 measures, 3 runs
#   ZX_BIN=target/release/zx bench/measures.sh   # an existing binary, no build
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}
RUNS=${2:-3}
WORK=$(mktemp -d /tmp/zx-bench-measures.XXXXXX)
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "${ZX_BIN:-}" ]; then
    cargo build --release -q -p zx-cli
    ZX_BIN="${CARGO_TARGET_DIR:-target}/release/zx"
fi
ZX=$(realpath "$ZX_BIN")
export ZX_USER=bench ZX_LANG=en
AS_OF=2026-11-27

"$ZX" demo --db "$WORK/demo.db" >/dev/null
"$ZX" entities --db "$WORK/demo.db" --format json > "$WORK/entities.json"
python3 - "$N" "$WORK/entities.json" "$WORK/measures.csv" <<'EOF'
import csv, json, random, sys
n, entities_path, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
doc = json.load(open(entities_path))
codes = [e["code"] for e in (doc["entities"] if isinstance(doc, dict) else doc)]
rng = random.Random(7)
indicators = ["total_profit", "asset_liability_ratio", "roe", "rd_intensity",
              "labour_productivity", "operating_cash_ratio", ""]
statuses = ["planned", "in_progress", "in_progress", "done", "cancelled"]
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["entity", "title", "indicator", "owner", "start", "due", "status", "progress"])
    for i in range(n):
        status = rng.choice(statuses)
        progress = 100 if status == "done" else (0 if status == "planned" else rng.randint(5, 95))
        month = rng.randint(1, 18)
        year, month = (2026, month) if month <= 12 else (2027, month - 12)
        w.writerow([rng.choice(codes), f"提质增效措施 {i + 1}：降本增效专项", rng.choice(indicators),
                    rng.choice(["hq", "fujian", "admin"]), "2026-01-01",
                    f"{year}-{month:02d}-{rng.randint(1, 28):02d}", status, progress])
EOF

# A copy of a SQLite database in WAL mode: the main file and its -wal (and -shm) together.
copy_db() { for suffix in "" -wal -shm; do [ -e "$1$suffix" ] && cp "$1$suffix" "$2$suffix"; done; return 0; }
timed() {
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null || { echo "failed: $*" >&2; return 1; }
    e=$(date +%s.%N)
    echo "$e - $s" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "measures: $N (+16 of the demo); $(nproc) cores; $(uname -r)"
echo "== import (one transaction, every row validated)"
for _ in $(seq "$RUNS"); do
    copy_db "$WORK/demo.db" "$WORK/run.db"
    timed "$ZX" measures import --db "$WORK/run.db" "$WORK/measures.csv" || exit 1
done | median | xargs printf "zx measures import       median %.3f s\n"
copy_db "$WORK/demo.db" "$WORK/zx.db"
"$ZX" measures import --db "$WORK/zx.db" "$WORK/measures.csv" >/dev/null

echo "== list the whole group with overdue flags and the summary"
for _ in $(seq "$RUNS"); do
    timed "$ZX" measures list --db "$WORK/zx.db" --entity ZX --as-of $AS_OF --format json || exit 1
done | median | xargs printf "zx measures list --format json  median %.3f s\n"
"$ZX" measures list --db "$WORK/zx.db" --entity ZX --as-of $AS_OF --format json \
    | python3 -c 'import json,sys; print("zx summary:    ", json.load(sys.stdin)["summary"])'

python3 - "$WORK/measures.csv" "$RUNS" $AS_OF <<'EOF'
import sys, time, duckdb
path, runs, as_of = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def median(xs): xs = sorted(xs); return xs[(len(xs) - 1) // 2]
loads, queries = [], []
for _ in range(runs):
    con = duckdb.connect()
    t = time.perf_counter()
    con.execute(f"CREATE TABLE m AS SELECT * FROM read_csv('{path}', header=true, types={{'due': 'DATE', 'start': 'DATE', 'progress': 'INTEGER'}})")
    loads.append(time.perf_counter() - t)
    t = time.perf_counter()
    row = con.execute(f"""
        SELECT count(*), count(*) FILTER (status = 'done'), count(*) FILTER (status = 'cancelled'),
               count(*) FILTER (status IN ('planned', 'in_progress') AND due < DATE '{as_of}'),
               count(*) FILTER (status = 'done')::DECIMAL(18,6) / NULLIF(count(*) FILTER (status <> 'cancelled'), 0)
        FROM m""").fetchone()
    rows = con.execute("SELECT * FROM m ORDER BY entity").fetchall()
    queries.append(time.perf_counter() - t)
print(f"duckdb load CSV (in memory) median {median(loads):.3f} s")
print(f"duckdb summary + all rows  median {median(queries):.3f} s")
print(f"duckdb summary (without the demo's 16): total={row[0]} done={row[1]} cancelled={row[2]} overdue={row[3]} rate={row[4]:.4f}")
EOF

echo "== the web: list page, Excel export, evidence"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ZX_REMINDERS__ENABLED=false "$ZX" serve --db "$WORK/zx.db" --listen 127.0.0.1:$PORT >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
JAR=$WORK/cookies
CSRF=$(curl -fsS -c "$JAR" "http://127.0.0.1:$PORT/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -fsS -b "$JAR" -c "$JAR" -o /dev/null -d "name=hq&password=zengxiao-hq&csrf=$CSRF&next=/cockpit" "http://127.0.0.1:$PORT/login"
get() { curl -fsS -b "$JAR" -o "$2" -w '%{time_total}\n' "http://127.0.0.1:$PORT$1"; }
get "/measures?entity=ZX&as_of=$AS_OF" /dev/null >/dev/null   # warm the snapshot
t=$(for _ in $(seq "$RUNS"); do get "/measures?entity=ZX&as_of=$AS_OF" "$WORK/page.html"; done | median)
printf "GET /measures (whole group)      median %.3f s, %s bytes\n" "$t" "$(wc -c < "$WORK/page.html")"
t=$(for _ in $(seq "$RUNS"); do get "/measures.xlsx?entity=ZX&as_of=$AS_OF" "$WORK/list.xlsx"; done | median)
printf "GET /measures.xlsx (whole group) median %.3f s, %s bytes\n" "$t" "$(wc -c < "$WORK/list.xlsx")"
copy_db "$WORK/demo.db" "$WORK/back.db"
printf "re-import of that workbook      %.3f s\n" "$(timed "$ZX" measures import --db "$WORK/back.db" "$WORK/list.xlsx")"

# 10 MB of evidence: a PDF whose catalog is followed by padding, then its cross-reference table,
# trailer, startxref and %%EOF (evidence is checked as a whole PDF, not by its header).
python3 - "$WORK/evidence.pdf" <<'EOF'
import sys
body = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b" " * (10 * 1024 * 1024) + b"\n"
xref = len(body)
body += b"xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<< /Size 2 /Root 1 0 R >>\n"
body += b"startxref\n%d\n%%%%EOF\n" % xref
open(sys.argv[1], "wb").write(body)
EOF
PAGE=$(curl -fsS -b "$JAR" "http://127.0.0.1:$PORT/measures/1")
CSRF=$(printf '%s' "$PAGE" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
UP=$(curl -fsS -b "$JAR" -o /dev/null -w '%{time_total} %{http_code}' -F "csrf=$CSRF" -F "file=@$WORK/evidence.pdf;filename=evidence.pdf" "http://127.0.0.1:$PORT/measures/1/attachments")
echo "upload 10 MB PDF (checked, hashed, stored)   $UP"
ID=$(curl -fsS -b "$JAR" "http://127.0.0.1:$PORT/api/v1/measures/1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["attachments"][-1]["id"])')
for _ in $(seq "$RUNS"); do get "/attachments/$ID" "$WORK/back.pdf"; done \
    | median | xargs printf "download it                      median %.3f s\n"
cmp -s "$WORK/evidence.pdf" "$WORK/back.pdf" && echo "downloaded bytes identical"
