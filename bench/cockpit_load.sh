#!/usr/bin/env bash
# The cockpit under load: `zx serve` on the demo group (release build), loaded from separate
# processes on the same machine.
#   bench/cockpit_load.sh [DURATION] [RATE]          (default 20s 1000)
#   ZX_BIN=target/release/zx bench/cockpit_load.sh   (an existing binary, no build)
#
# 1. wrk 4 (closed loop: -t2 -c16, as fast as the server answers) against
#    GET /api/v1/entities/ZX/kpi, GET /api/v1/entities/ZX/cockpit (bearer token) and the
#    HTML page GET /cockpit (session cookie from a real login).
# 2. hey at a fixed RATE requests/s (10 workers × RATE/10 each) against the same three.
#    Debian has no wrk2; hey paces each worker and waits for the answer, so latencies are
#    free of coordinated omission only while they stay well below 10 workers / RATE (10 ms).
# 3. Time to first render of /cockpit in headless Chromium (bench/first_render.py).
# Each run prints the server's CPU use (utime+stime of the zx process over the run).
set -euo pipefail
DURATION=${1:-20s}
RATE=${2:-1000}
cd "$(dirname "$0")/.."
ROOT=$PWD

# ZX_BIN=path/to/zx measures an existing binary instead of building the working tree.
if [ -n "${ZX_BIN:-}" ]; then
    ZX=$(realpath "$ZX_BIN")
else
    cargo build --release -p zx-cli --quiet
    ZX="${CARGO_TARGET_DIR:-$ROOT/target}/release/zx"
fi

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v hey >/dev/null || missing+=(hey)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi

DIR=$(mktemp -d)
SERVER=""
DRIVER=""
cleanup() {
    if [ -n "$DRIVER" ]; then kill -- "-$DRIVER" 2>/dev/null || true; fi
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    rm -rf "$DIR"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {  # URL: until it answers, at most 10 s
    for _ in $(seq 100); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
    echo "no answer from $1" >&2; return 1
}

DB="$DIR/zx.db"
"$ZX" demo --db "$DB" >/dev/null
TOKEN=$("$ZX" user token --db "$DB" --name hq 2>/dev/null | tr -d '[:space:]')
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
# From the temp dir, so that no zengxiao.toml of the working tree is read.
(cd "$DIR" && ZX_LOG=warn exec "$ZX" serve --db "$DB" --listen "127.0.0.1:$PORT" >"$DIR/serve.log" 2>&1) &
SERVER=$!
wait_for "$BASE/healthz"
# The zx process (the subshell execs it, so $! is the server).
[ "$(readlink "/proc/$SERVER/exe")" = "$(realpath "$ZX")" ] || { echo "server pid $SERVER is not $ZX" >&2; exit 1; }

# A browser session for the HTML page: the login form with its double-submit CSRF token.
JAR="$DIR/cookies.txt"
CSRF=$(curl -fsS -c "$JAR" "$BASE/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -sS -o /dev/null -b "$JAR" -c "$JAR" -w '%{http_code}' \
    --data-urlencode name=hq --data-urlencode password=zengxiao-hq \
    --data-urlencode "csrf=$CSRF" --data-urlencode next=/cockpit "$BASE/login" | grep -qx 303 \
    || { echo "login failed" >&2; exit 1; }
SESSION=$(awk '$6 == "zx_session" { print $7 }' "$JAR")
[ -n "$SESSION" ] || { echo "no session cookie" >&2; exit 1; }

KPI="$BASE/api/v1/entities/ZX/kpi?period=2026-10"
COCKPIT="$BASE/api/v1/entities/ZX/cockpit?period=2026-10"
PAGE="$BASE/cockpit?period=2026-10"
AUTH="Authorization: Bearer $TOKEN"
COOKIE="Cookie: zx_session=$SESSION"

# Warm-up and sanity: each answers 200 with the expected content (this also builds the snapshot).
check() {  # HEADER URL TEXT: the answer is 200 and contains TEXT; prints its size
    local body
    body=$(curl -fsS -H "$1" "$2")
    [[ $body == *"$3"* ]] || { echo "$2 lacks $3" >&2; exit 1; }
    echo -n "${#body} bytes"
}
echo "kpi API $(check "$AUTH" "$KPI" total_profit), cockpit API $(check "$AUTH" "$COCKPIT" '"SC"')," \
    "page $(check "$COOKIE" "$PAGE" 'data-testid="value-total_profit"') (characters)"

TICK=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$SERVER/stat"; }
cat >"$DIR/summary.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "SUMMARY requests/s %.0f  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms  requests %d  errors status=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000, summary.requests,
    e.status, e.connect, e.read, e.write, e.timeout))
end
LUA

# Other work on the machine skews the figures: note every second in which a compiler ran.
busy_watch() {
    : >"$DIR/busy"
    while sleep 1 && kill -0 $$ 2>/dev/null; do  # ends with the script in any case
        if pgrep -x rustc >/dev/null || pgrep -x cc1 >/dev/null; then echo x >>"$DIR/busy"; fi
    done
}
busy_report() {
    local n
    n=$(wc -l <"$DIR/busy")
    if [ "$n" -gt 0 ]; then echo "WARNING: a compiler ran on this machine during $n s of this run"; fi
}

run() {  # LABEL HEADER URL COMMAND…
    local label=$1 header=$2 url=$3 before after start end
    shift 3
    echo
    echo "== $label: $* -H '${header%%:*}: …' '$url'"
    busy_watch &
    local watch=$!
    before=$(cpu)
    start=$(date +%s.%N)
    "$@" -H "$header" "$url"
    end=$(date +%s.%N)
    after=$(cpu)
    kill "$watch"; wait "$watch" 2>/dev/null || true
    echo "server CPU: $(awk -v t="$((after - before))" -v hz="$TICK" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f%% of one core over %.1f s", 100 * t / hz / (b - a), b - a }')"
    busy_report
}

echo "machine: $(nproc) cores, $(awk '/model name/ { $1=$2=$3=""; print; exit }' /proc/cpuinfo | sed 's/^ *//'); $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2); hey $(dpkg-query -W -f '${Version}' hey 2>/dev/null || echo '?')"

for target in "kpi API|$AUTH|$KPI" "cockpit API|$AUTH|$COCKPIT" "cockpit page|$COOKIE|$PAGE"; do
    IFS='|' read -r label header url <<<"$target"
    run "wrk closed loop, $label" "$header" "$url" \
        wrk -t2 -c16 -d"$DURATION" --latency -s "$DIR/summary.lua"
done

for target in "kpi API|$AUTH|$KPI" "cockpit API|$AUTH|$COCKPIT" "cockpit page|$COOKIE|$PAGE"; do
    IFS='|' read -r label header url <<<"$target"
    run "hey at $RATE req/s, $label" "$header" "$url" \
        hey -z "$DURATION" -c 10 -q "$((RATE / 10))"
done 2>&1 | grep -v '^ *$\|Response time histogram\|^ *[0-9][0-9.]* \[\|DNS\|req write\|resp read'

echo
echo "== time to first render: headless Chromium through chromedriver"
DPORT=$(free_port)
setsid /usr/bin/chromedriver --port="$DPORT" >/dev/null 2>&1 &
DRIVER=$!
wait_for "http://127.0.0.1:$DPORT/status"
busy_watch &
WATCH=$!
python3 "$ROOT/bench/first_render.py" "$BASE" "http://127.0.0.1:$DPORT" 5 "/cockpit?period=2026-10"
kill "$WATCH"; wait "$WATCH" 2>/dev/null || true
busy_report
