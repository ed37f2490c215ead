#!/usr/bin/env bash
# A stack-month from the Parquet archive: hourly and daily compliance averages by Zengxiao
# (`zx cems export` + `zx cems check`) and by DuckDB over the same Parquet files, same run.
#   bench/cems_archive.sh [STACKS] [DAYS] [RUNS]     (default 10 30 5)
#   ZX_BIN=target/release/zx bench/cems_archive.sh   (an existing binary, no build)
#   KEEP=1 bench/cems_archive.sh                      (leave the database and store behind)
#
# 1. A fresh demo database (60 stacks registered), `zx serve --hj212 127.0.0.1:PORT`, and
#    `zx simulate hj212 --stacks STACKS --minutes DAYS×1440 --speedup 0 --start 2026-06-01T00:00`:
#    every frame stored through the receiver (fsync before the ack). Prints the run's frames/s.
# 2. The server is stopped and started again: it seals every day before today into
#    `zx.db.cems/archive/mn=<MN>/date=<YYYY-MM-DD>/minutes.parquet`, then it is stopped.
# 3. For the first stack (88888880000001), DAYS days, RUNS times each:
#    - `zx cems check --mn MN --from 2026-06-01 --to LAST --format json`: the compliance engine
#      straight from the archive's columns (each day's partition decoded and judged, the days
#      on both cores), a process from start; its JSON must equal export + check's to the byte;
#    - `zx cems export --mn MN --from 2026-06-01 --to LAST -o minutes.csv` (reads the archive,
#      writes the minute CSV), then `zx cems check --input minutes.csv --format json` (the
#      compliance engine: O₂ correction, ≥ 45 valid minutes an hour, ≥ 20 valid hours a day,
#      exceedances, the furnace rule), each a process from start;
#    - the same two piped (`export -o - | check --input /dev/stdin`), both cores at once;
#    - DuckDB (bench/cems_archive_duckdb.py, 2 threads) computing the same hourly and daily
#      averages with one SQL statement over `read_parquet(…/mn=<MN>/*/*.parquet)`, from the
#      files each run.
#    - the server's monthly compliance report of the stack (`GET /environment/report.xlsx`,
#      API token), on a freshly started server (nothing cached) and once more (cached);
#    Every hourly average, daily average and count of valid hours is compared (3 decimals).
# 4. The minute store's own read of the stack-month in one process (cold, then warm from its
#    cache of decoded partitions): crates/zx-cems-store/examples/bench.rs `--read` (stack
#    88888880000001, June 2026), built in release; when DAYS is 30, unless NO_STORE_READ=1.
set -euo pipefail
STACKS=${1:-10}
DAYS=${2:-30}
RUNS=${3:-5}
cd "$(dirname "$0")/.."
ROOT=$PWD
[ "$STACKS" -ge 1 ] && [ "$STACKS" -le 60 ] || { echo "STACKS: 1 to 60 (the demo's stacks)" >&2; exit 2; }

if [ -n "${ZX_BIN:-}" ]; then
    ZX=$(realpath "$ZX_BIN")
else
    cargo build --release -p zx-cli --quiet
    ZX="${CARGO_TARGET_DIR:-$ROOT/target}/release/zx"
fi
python3 -c "import duckdb" 2>/dev/null || python3 -m pip install --quiet duckdb

DIR=$(mktemp -d)
SERVER=""
stop_server() {
    if [ -n "$SERVER" ]; then
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
        SERVER=""
    fi
}
cleanup() {
    stop_server
    if [ -n "${KEEP:-}" ]; then echo "kept $DIR (KEEP=1)"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {  # URL: until it answers, at most 20 s
    for _ in $(seq 200); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
    echo "no answer from $1" >&2; return 1
}

DB="$DIR/zx.db"
STORE="$DB.cems"
MN=88888880000001
FIRST=2026-06-01
LAST=$(date -d "$FIRST + $((DAYS - 1)) days" +%F)
"$ZX" demo --db "$DB" >/dev/null

PORT=$(free_port)
HJ=$(free_port)
start_server() {  # LOG
    # All the simulated loggers connect from this host: lift the per-peer connection cap.
    (cd "$DIR" && ZX_EMISSIONS__MAX_PER_PEER=100000 ZX_LOG=warn,zx_server=info exec "$ZX" serve --db "$DB" \
        --listen "127.0.0.1:$PORT" --hj212 "127.0.0.1:$HJ" >"$1" 2>&1) &
    SERVER=$!
    wait_for "http://127.0.0.1:$PORT/healthz"
}
start_server "$DIR/serve.log"
"$ZX" simulate hj212 --to "127.0.0.1:$HJ" --stacks "$STACKS" --minutes $((DAYS * 1440)) \
    --speedup 0 --connections "$STACKS" --start "${FIRST}T00:00" --ack-wait 60 --format json \
    | tee "$DIR/sim.json"
stop_server
start_server "$DIR/serve2.log"
for _ in $(seq 1200); do
    grep -q "minute data sealed" "$DIR/serve2.log" && break
    sleep 0.1
done
grep "minute data sealed" "$DIR/serve2.log" | sed 's/\x1b\[[0-9;]*m//g' || { echo "no seal in 120 s" >&2; exit 1; }
stop_server
echo "partitions of $MN: $(find "$STORE/archive/mn=$MN" -name '*.parquet' | wc -l)," \
    "$(find "$STORE/archive/mn=$MN" -name '*.parquet' -printf '%s\n' | awk '{ s += $1 } END { print s }') bytes"

now_ms() { date +%s%3N; }

# The server's own monthly report of the stack (GET /environment/report.xlsx?month=…&mn=…: the
# stack's 30 days read from the archive, judged, written as XLSX), with an API token. The server
# caches decoded partitions and past days' verdicts, so each run starts a server. Its very first
# request also loads the group (entities, accounts, stacks) from the database, whatever it asks;
# so the run times (1) the stack-month report as the first request, (2) after a request for a
# month without data (the server warm, the stack-month still uncached: what a stack-month costs),
# (3) the same report again (served from the caches).
TOKEN=$("$ZX" user token --db "$DB" --name hq 2>/dev/null | tr -d '[:space:]')
MONTH=${FIRST%-*}
REPORT="http://127.0.0.1:$PORT/environment/report.xlsx?month=$MONTH&mn=$MN"
: >"$DIR/report-times"
EMPTY_MONTH=$(date -d "$FIRST - 1 month" +%Y-%m)
WARM="http://127.0.0.1:$PORT/environment/report.xlsx?month=$EMPTY_MONTH&mn=$MN"
curl_time() { curl -fsS -H "Authorization: Bearer $TOKEN" -o "$2" -w '%{time_total}' "$1"; }
for run in $(seq "$RUNS"); do
    start_server "$DIR/serve-report.log"
    first=$(curl_time "$REPORT" "$DIR/report.xlsx")
    again=$(curl_time "$REPORT" /dev/null)
    stop_server
    start_server "$DIR/serve-report.log"
    curl_time "$WARM" /dev/null >/dev/null
    warm=$(curl_time "$REPORT" /dev/null)
    stop_server
    echo "$first $again $warm" >>"$DIR/report-times"
done
python3 - "$DIR/report.xlsx" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:  # a real workbook, not an error page
    assert "xl/workbook.xml" in z.namelist(), "not an XLSX"
PY
echo "report.xlsx of the stack-month: $(stat -c %s "$DIR/report.xlsx") bytes"

: >"$DIR/times"
for run in $(seq "$RUNS"); do
    t0=$(now_ms)
    "$ZX" cems export --db "$DB" --mn "$MN" --from "$FIRST" --to "$LAST" -o "$DIR/minutes.csv" 2>"$DIR/export.err"
    t1=$(now_ms)
    "$ZX" cems check --input "$DIR/minutes.csv" --format json >"$DIR/zx.json"
    t2=$(now_ms)
    "$ZX" cems export --db "$DB" --mn "$MN" --from "$FIRST" --to "$LAST" -o - 2>/dev/null \
        | "$ZX" cems check --input /dev/stdin --format json >"$DIR/zx-pipe.json"
    t3=$(now_ms)
    head -1 "$DIR/minutes.csv" >"$DIR/empty.csv"
    "$ZX" cems check --input "$DIR/empty.csv" --format json >/dev/null
    t4=$(now_ms)
    "$ZX" cems check --db "$DB" --mn "$MN" --from "$FIRST" --to "$LAST" --format json >"$DIR/zx-direct.json"
    t5=$(now_ms)
    echo "$((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t4 - t3)) $((t5 - t4))" >>"$DIR/times"
done
cat "$DIR/export.err"
cmp -s "$DIR/zx.json" "$DIR/zx-pipe.json" || { echo "the piped check differs" >&2; exit 1; }
cmp -s "$DIR/zx.json" "$DIR/zx-direct.json" || { echo "check --mn differs from export + check" >&2; exit 1; }
echo "zx cems check --mn: the same JSON as export + check, to the byte ($(stat -c %s "$DIR/zx.json") bytes)"

python3 bench/cems_archive_duckdb.py "$STORE" "$MN" --threads 2 --runs "$RUNS" \
    --zx-json "$DIR/zx.json" >"$DIR/duckdb.json"

python3 - "$DIR/times" "$DIR/duckdb.json" "$DIR/minutes.csv" "$DIR/report-times" <<'PY'
import json, statistics, sys
runs = [list(map(int, line.split())) for line in open(sys.argv[1])]
report = [list(map(float, line.split())) for line in open(sys.argv[4])]
db = json.load(open(sys.argv[2]))
readings = sum(1 for _ in open(sys.argv[3])) - 1
def row(name, ms):
    print(f"  {name:44} best {min(ms) / 1000:.3f} s  median {statistics.median(ms) / 1000:.3f} s")
print(f"stack-month: {readings:,} minute readings (8 factors, {db['days']} days)")
print("zengxiao (processes from start, release):")
row("zx cems check --mn (archive → verdicts)", [r[4] for r in runs])
row("zx cems export (archive → CSV)", [r[0] for r in runs])
row("zx cems check (CSV → hourly, daily, verdicts)", [r[1] for r in runs])
row("export + check, one after the other", [r[0] + r[1] for r in runs])
row("export | check, piped", [r[2] for r in runs])
row("(a process start: zx cems check of an empty CSV)", [r[3] for r in runs])
print("zengxiao server (GET /environment/report.xlsx?month=…&mn=…, curl's time_total):")
row("first request after start (+ loading the group)", [r[0] * 1000 for r in report])
row("after one other request (read, judge, XLSX)", [r[2] * 1000 for r in report])
row("the same again (verdicts cached)", [r[1] * 1000 for r in report])
print(f"duckdb {db['version']} ({db['threads']} threads, from the Parquet files each run):")
row("hourly + daily averages", [s * 1000 for s in db["runs_s"]])
def versus(name, ms):
    best, median = min(ms) / 1000, statistics.median(ms) / 1000
    print(f"{name} / DuckDB: best {best / db['best_s']:.2f}, median {median / db['median_s']:.2f}"
          " (below 1: Zengxiao faster)")
versus("zx cems check --mn", [r[4] for r in runs])
versus("server, stack-month after one other request", [r[2] * 1000 for r in report])
versus("server, first request after start", [r[0] * 1000 for r in report])
c = db["compare"]
print(f"hourly averages: {c['hourly_equal']:,} of {c['hourly']:,} equal at 3 decimals "
      f"({c['hourly_none_both']:,} hours without a valid average on both sides), "
      f"max |difference| {c['hourly_max_diff']}")
print(f"daily averages: {c['daily_equal']} of {c['daily']} equal at 3 decimals; "
      f"valid hours: {c['valid_hours_equal']} of {c['daily']} days × factors equal")
for s in c["sample"]:
    print(f"  {s['at']} {s['code']}: zengxiao {s['zx']}  duckdb {s['duckdb']}")
ok = c["hourly_equal"] == c["hourly"] and c["daily_equal"] == c["daily"] and c["valid_hours_equal"] == c["daily"]
print("results agree" if ok else "RESULTS DIFFER")
sys.exit(0 if ok else 1)
PY

if [ -z "${NO_STORE_READ:-}" ] && [ "$DAYS" -eq 30 ]; then
    echo "the minute store's read of the stack-month (examples/bench.rs --read):"
    cargo run --release --quiet -p zx-cems-store --example bench -- --read "$STORE"
fi
