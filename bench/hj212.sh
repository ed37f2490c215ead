#!/usr/bin/env bash
# The HJ 212 receiver end to end on loopback, with durable storage, then the minute store's bytes
# per reading (write-ahead log, then the Parquet archive after the seal).
#   bench/hj212.sh [STACKS] [MINUTES] [CONNECTIONS]     (default 200 300 200)
#   ZX_BIN=target/release/zx bench/hj212.sh ...        (an existing binary, no build)
#
# 1. A fresh demo database (`zx demo`: 60 stacks, MNs 88888880000001…060, on the 30
#    waste-to-energy plants) plus STACKS-60 more stacks registered by `zx stack import` of a CSV,
#    spread over the same plants (MNs 88888880000061…).
# 2. `zx serve --hj212 127.0.0.1:PORT`; `zx simulate hj212 --stacks STACKS --minutes MINUTES
#    --speedup 0 --connections CONNECTIONS --start 2026-06-01T00:00` from a separate process on
#    the same two cores. The receiver acknowledges a frame only after its readings are appended to
#    the minute store's write-ahead log and fdatasync'ed (group commit). Prints frames/s and
#    readings/s (8 a frame), the CPU used by the server and by the simulator, the machine's idle
#    and iowait share, the disk's writes and cache flushes over the run, and a `top` of the run.
# 3. The log's bytes per reading; then the server is stopped and started again, which seals every
#    day before today (2026-06-01 is past) into Parquet; the archive's bytes per reading, and
#    DuckDB's count of the archived rows (every acknowledged reading must be there).
set -euo pipefail
STACKS=${1:-200}
MINUTES=${2:-300}
CONNECTIONS=${3:-200}
cd "$(dirname "$0")/.."
ROOT=$PWD

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
    if [ -n "${KEEP_LOGS:-}" ]; then cp "$DIR"/serve*.log "$KEEP_LOGS"/ 2>/dev/null || true; fi  # KEEP_LOGS=DIR: keep the server logs
    rm -rf "$DIR"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {  # URL: until it answers, at most 20 s
    for _ in $(seq 200); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
    echo "no answer from $1" >&2; return 1
}

DB="$DIR/zx.db"
STORE="$DB.cems"
"$ZX" demo --db "$DB" >/dev/null
if [ "$STACKS" -gt 60 ]; then
    # More stacks on the demo's waste-to-energy plants (the plants of its 60 stacks), 3号炉 on.
    "$ZX" stack list --db "$DB" --format json >"$DIR/stacks.json"
    python3 - "$DIR/stacks.json" "$STACKS" >"$DIR/more-stacks.csv" <<'PY'
import json, sys
stacks = json.load(open(sys.argv[1]))["stacks"]
plants = sorted({s["entity"] for s in stacks})
total = int(sys.argv[2])
print("mn,entity,name,password,standard")
for i, n in enumerate(range(len(stacks) + 1, total + 1)):
    plant = plants[i % len(plants)]
    furnace = 3 + i // len(plants)
    print(f"{88888880000000 + n:014},{plant},{furnace}号炉,123456,gb18485-2014")
PY
    "$ZX" stack import --db "$DB" "$DIR/more-stacks.csv"
fi
REGISTERED=$("$ZX" stack list --db "$DB" --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["stacks"]))')
echo "stacks registered: $REGISTERED"

PORT=$(free_port)
HJ=$(free_port)
start_server() {  # LOG: `zx serve` from the temp dir (no zengxiao.toml of the tree is read)
    # All the simulated loggers connect from this host: lift the per-peer connection cap.
    (cd "$DIR" && ZX_EMISSIONS__MAX_PER_PEER=100000 ZX_LOG=${ZX_LOG:-warn,zx_server=info} exec "$ZX" serve --db "$DB" \
        --listen "127.0.0.1:$PORT" --hj212 "127.0.0.1:$HJ" >"$1" 2>&1) &
    SERVER=$!
    wait_for "http://127.0.0.1:$PORT/healthz"
    [ "$(readlink "/proc/$SERVER/exe")" = "$(realpath "$ZX")" ] || { echo "server pid $SERVER is not $ZX" >&2; exit 1; }
}
start_server "$DIR/serve.log"

# Other work on the machine skews the figures: note every second in which a compiler ran.
: >"$DIR/busy"
busy_watch() {
    while sleep 1 && kill -0 $$ 2>/dev/null; do
        if pgrep -x rustc >/dev/null || pgrep -x cc1 >/dev/null; then echo x >>"$DIR/busy"; fi
    done
}
busy_watch &
WATCH=$!
trap 'kill "$WATCH" 2>/dev/null || true; cleanup' EXIT

DEV=$(lsblk -no PKNAME "$(df --output=source "$DIR" | tail -1)" 2>/dev/null || true)
[ -n "$DEV" ] || DEV=$(basename "$(df --output=source "$DIR" | tail -1)")
disk() { awk -v d="$DEV" '$3 == d { print $8, $19 }' /proc/diskstats; }  # writes, flushes
cpu_all() { awk '/^cpu / { print $2+$3+$4+$5+$6+$7+$8+$9, $5, $6 }' /proc/stat; }  # total idle iowait
cpu_of() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# Each thread of PID: tid and CPU ticks (by name the async workers and the blocking pool are
# both "tokio-runtime-worker", so they are told apart by how busy they are).
threads() { for t in /proc/"$1"/task/*; do awk -v t="${t##*/}" '{ print t, $14 + $15 }' "$t/stat" 2>/dev/null; done; }
TICK=$(getconf CLK_TCK)

read -r DW0 DF0 < <(disk)
read -r T0 I0 W0 < <(cpu_all)
S0=$(cpu_of "$SERVER")
threads "$SERVER" >"$DIR/threads0"
# The simulator in a shell of its own: `times` then prints its children's (the simulator's) CPU.
bash -c '"$1" simulate hj212 --to "$2" --stacks "$3" --minutes "$4" --speedup 0 \
    --connections "$5" --start 2026-06-01T00:00 --ack-wait 60 --format json >"$6/sim.json"; times >"$6/sim.times"' \
    _ "$ZX" "127.0.0.1:$HJ" "$STACKS" "$MINUTES" "$CONNECTIONS" "$DIR" &
SIM=$!
# A `top` of the run: the second of two refreshes one second apart (the first averages since boot).
sleep 2
if kill -0 "$SIM" 2>/dev/null; then
    top -b -n2 -d1 -w 120 | awk '/^top -/ { n++ } n == 2' | head -14 >"$DIR/top.txt" || true
fi
wait "$SIM"
threads "$SERVER" >"$DIR/threads1"
S1=$(cpu_of "$SERVER")
read -r T1 I1 W1 < <(cpu_all)
read -r DW1 DF1 < <(disk)
WAL_BYTES=$(find "$STORE/wal" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')

cat "$DIR/sim.json"
SIM_CPU=$(awk 'NR == 2 { print }' "$DIR/sim.times")
python3 - "$DIR/sim.json" "$((S1 - S0))" "$TICK" "$SIM_CPU" "$((T1 - T0))" "$((I1 - I0))" "$((W1 - W0))" \
    "$((DW1 - DW0))" "$((DF1 - DF0))" "$WAL_BYTES" "$CONNECTIONS" <<'PY'
import json, re, sys
sim = json.load(open(sys.argv[1]))
server_ticks, tick = int(sys.argv[2]), int(sys.argv[3])
def seconds(text):  # `times` prints 0m1.234s
    m, s = re.fullmatch(r"(\d+)m([\d.]+)s", text).groups()
    return int(m) * 60 + float(s)
user, sys_ = (seconds(t) for t in sys.argv[4].split())
total, idle, iowait = (int(x) for x in sys.argv[5:8])
writes, flushes, wal, conns = (int(x) for x in sys.argv[8:12])
el = sim["elapsed_seconds"]
frames = sim["frames_sent"]
readings = frames * 8
print(f"stacks={sim['stacks']} minutes={sim['minutes']} connections={conns} frames={frames:,} acks={sim['acks_received']:,} unexpected={sim['unexpected_replies']}")
print(f"elapsed {el:.2f} s: {sim['frames_per_second']:,.0f} frames/s = {readings / el:,.0f} readings/s (8 a frame)")
print(f"server CPU {server_ticks / tick / el * 100:.0f} % of one core; simulator CPU {(user + sys_) / el * 100:.0f} % (user {user:.2f} s, sys {sys_:.2f} s)")
print(f"machine: busy {(total - idle - iowait) / total * 100:.0f} %, idle {idle / total * 100:.0f} %, iowait {iowait / total * 100:.0f} % (both cores)")
print(f"disk: {writes / el:,.0f} writes/s, {flushes / el:,.0f} cache flushes/s ({flushes:,} flushes, {frames / max(flushes, 1):.1f} frames a flush)")
print(f"write-ahead log: {wal:,} bytes = {wal / readings:.2f} bytes/reading")
if sim["acks_received"] != frames:
    print("NOT EVERY FRAME WAS ACKNOWLEDGED")
PY
echo "top during the run:"
cat "$DIR/top.txt" 2>/dev/null || echo "(the run ended before the snapshot)"
# The others' share is the process's total minus the two busiest: summing hundreds of threads'
# whole ticks would lose up to a tick per thread.
python3 - "$DIR/threads0" "$DIR/threads1" "$TICK" "$DIR/sim.json" "$((S1 - S0))" <<'PY'
import json, sys
before = dict(line.split() for line in open(sys.argv[1]))
after = dict(line.split() for line in open(sys.argv[2]))
tick, el = int(sys.argv[3]), json.load(open(sys.argv[4]))["elapsed_seconds"]
total = int(sys.argv[5]) / tick / el * 100
used = sorted(((int(v) - int(before.get(t, 0))) / tick / el * 100 for t, v in after.items()), reverse=True)
print(f"server threads at the end: {len(after)}; the two busiest (the async workers) {used[0]:.0f} % and"
      f" {used[1]:.0f} % of a core, the other {len(used) - 2} (blocking pool: appends waiting for their"
      f" group's fdatasync) together {total - used[0] - used[1]:.0f} %")
PY
n=$(wc -l <"$DIR/busy")
if [ "$n" -gt 0 ]; then echo "WARNING: a compiler ran on this machine during $n s of this run"; fi

# Seal: restart the server, which seals every day before today at start.
stop_server
ARCHIVE="$STORE/archive"
began=$(date +%s.%N)
start_server "$DIR/serve2.log"
for _ in $(seq 600); do
    grep -q "minute data sealed" "$DIR/serve2.log" && break
    sleep 0.1
done
sealed=$(date +%s.%N)
grep "minute data sealed" "$DIR/serve2.log" | sed 's/\x1b\[[0-9;]*m//g' || { echo "no seal in 60 s" >&2; exit 1; }
stop_server
PARQUET_BYTES=$(find "$ARCHIVE" -name '*.parquet' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
PARTITIONS=$(find "$ARCHIVE" -name '*.parquet' | wc -l)
DISK_KB=$(du -sk "$ARCHIVE" | cut -f1)
WAL_AFTER=$(find "$STORE/wal" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
python3 - "$ARCHIVE" "$PARQUET_BYTES" "$PARTITIONS" "$DISK_KB" "$WAL_AFTER" "$DIR/sim.json" \
    "$(awk -v a="$began" -v b="$sealed" 'BEGIN { print b - a }')" <<'PY'
import json, sys
import duckdb
archive, parquet, partitions, disk_kb, wal_after = sys.argv[1], *map(int, sys.argv[2:6])
sim = json.load(open(sys.argv[6]))
expected = sim["acks_received"] * 8
rows = duckdb.sql(
    f"SELECT count(*) FROM read_parquet('{archive}/*/*/*.parquet', hive_partitioning=true,"
    " hive_types={'mn':'VARCHAR'})"
).fetchall()[0][0]
print(f"restart + seal: {float(sys.argv[7]):.1f} s; {partitions} partitions (stack-days)")
print(f"Parquet archive: {parquet:,} bytes of files = {parquet / rows:.2f} bytes/reading"
      f" ({disk_kb * 1024 / rows:.2f} bytes/reading on disk: du {disk_kb:,} KiB, 4 KiB blocks);"
      f" log after the seal: {wal_after:,} bytes")
print(f"DuckDB counts {rows:,} archived readings; acknowledged frames × 8 = {expected:,}:"
      f" {'every acknowledged reading is archived' if rows == expected else 'MISMATCH'}")
sys.exit(0 if rows == expected else 1)
PY
