#!/usr/bin/env bash
# Import and load on both backends: a synthetic group's year of data imported into SQLite and
# into PostgreSQL, then read back (zx report, zx bench rollup --from-db) and moved
# (zx export, zx restore). See BENCHMARKS.md, "Import and load on both backends".
#
#   bench/import.sh [ENTITIES] [RUNS] [MONTHS]   # default: 1000 entities, 3 runs, 12 months
#
# PostgreSQL: ZX_BENCH_DATABASE_URL (a database the role may create databases from, e.g.
# postgres://zx@127.0.0.1:5432/postgres) if set; otherwise a throw-away local cluster is started
# with PostgreSQL's default durability (fsync, synchronous_commit and full_page_writes on) and
# stopped at the end. ZX_BIN=path/to/zx skips the release build.
set -euo pipefail
cd "$(dirname "$0")/.."

ENTITIES=${1:-1000}
RUNS=${2:-3}
MONTHS_GENERATED=${3:-12}
WORK=$(mktemp -d /tmp/zx-bench-import.XXXXXX)
PG_DIR=""
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
    if [ -n "$PG_DIR" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "${ZX_BIN:-}" ]; then
    cargo build --release -q -p zx-cli
    ZX_BIN="${CARGO_TARGET_DIR:-target}/release/zx"
fi
export ZX_USER=bench ZX_LANG=en

if [ -n "${ZX_BENCH_DATABASE_URL:-}" ]; then
    PG_BASE=$ZX_BENCH_DATABASE_URL
else
    [ -n "$PG_BIN" ] || { echo "PostgreSQL is not installed: set ZX_BENCH_DATABASE_URL" >&2; exit 1; }
    PG_DIR=$(mktemp -d /tmp/zx-bench-pg.XXXXXX)
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$PG_DIR"; fi
    as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
    PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # Defaults kept on purpose: fsync=on, synchronous_commit=on, full_page_writes=on.
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 start \
        -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" >/dev/null
    PG_BASE="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
fi
pg_url() { echo "${PG_BASE%/*}/$1"; }
pg_sql() { "$PG_BIN/psql" -X -q -At "$PG_BASE" -c "$1"; }
pg_settings=$(pg_sql "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings
                      WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'wal_level')")

# Seconds (wall) of one command, its output discarded.
timed() {
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }'
}
median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
best() { tr ' ' '\n' | sort -n | head -n 1; }

echo "== generating $ENTITIES entities × $MONTHS_GENERATED months"
"$ZX_BIN" bench rollup --entities "$ENTITIES" --months "$MONTHS_GENERATED" --runs 1 \
    --write-csv "$WORK/csv" >/dev/null
# Data may not be submitted for months after the current one: drop later rows (the generator
# ends in December 2026), keep the header.
NOW=$(date +%Y-%m)
awk -F, -v now="$NOW" 'NR == 1 || $2 <= now' "$WORK/csv/data.csv" > "$WORK/csv/data-to-now.csv"
FILES=("$WORK/csv/entities.csv" "$WORK/csv/data-to-now.csv" "$WORK/csv/targets.csv")
ROWS_E=$(($(wc -l < "$WORK/csv/entities.csv") - 1))
ROWS_D=$(($(wc -l < "$WORK/csv/data-to-now.csv") - 1))
ROWS_T=$(($(wc -l < "$WORK/csv/targets.csv") - 1))
LAST=$(awk -F, 'NR > 1 && $2 > m { m = $2 } END { print m }' "$WORK/csv/data-to-now.csv")
# Months reported by the roll-up: those generated, less the ones dropped as future.
MONTHS=$((MONTHS_GENERATED - (2026 * 12 + 12) + (10#${LAST%-*} * 12 + 10#${LAST#*-})))
echo "   $ROWS_E entities, $ROWS_D data rows (to $LAST), $ROWS_T targets"

declare -A import_s report_s load_s rollup_s export_s restore_s size
for backend in sqlite postgres; do
    echo "== $backend: import ×$RUNS"
    times=()
    for run in $(seq "$RUNS"); do
        if [ "$backend" = sqlite ]; then
            db="$WORK/run$run.db"
        else
            db=$(pg_url "zx_bench_import_$$_$run")
        fi
        "$ZX_BIN" init --db "$db" >/dev/null
        times+=("$(timed "$ZX_BIN" import --db "$db" "${FILES[@]}")")
    done
    import_s[$backend]="${times[*]}"
    echo "   import: ${times[*]} s"

    times=()
    for _ in 1 2 3; do times+=("$(timed "$ZX_BIN" report --db "$db" --depth 1)"); done
    report_s[$backend]=$(echo "${times[*]}" | best)
    json=$("$ZX_BIN" bench rollup --db "$db" --from-db --months "$MONTHS" --runs 5 2>/dev/null)
    load_s[$backend]=$(python3 -c 'import json, sys; print("%.2f" % json.loads(sys.argv[1])["load_s"])' "$json")
    rollup_s[$backend]=$(python3 -c 'import json, sys; print("%.3f" % json.loads(sys.argv[1])["best_s"])' "$json")
    export_s[$backend]=$(timed "$ZX_BIN" export --db "$db" -o "$WORK/$backend.jsonl.gz")
    if [ "$backend" = sqlite ]; then
        target="$WORK/restored.db"
        size[$backend]=$(find "$WORK" -maxdepth 1 -name "$(basename "$db")*" -printf '%s\n' \
                         | awk '{ b += $1 } END { printf "%.0f MB", b / 1048576 }')
    else
        target=$(pg_url "zx_bench_restore_$$")
        size[$backend]=$(pg_sql "SELECT pg_size_pretty(pg_database_size('zx_bench_import_$$_$RUNS'))")
    fi
    restore_s[$backend]=$(timed "$ZX_BIN" restore --db "$target" "$WORK/$backend.jsonl.gz")
    echo "   report ${report_s[$backend]} s, rollup from db: load ${load_s[$backend]} s + ${rollup_s[$backend]} s, export ${export_s[$backend]} s, restore ${restore_s[$backend]} s"
done

if [ -n "${ZX_BENCH_DATABASE_URL:-}" ]; then
    for run in $(seq "$RUNS"); do pg_sql "DROP DATABASE IF EXISTS zx_bench_import_$$_$run WITH (FORCE)"; done
    pg_sql "DROP DATABASE IF EXISTS zx_bench_restore_$$ WITH (FORCE)"
fi

records_sqlite=$(zcat "$WORK/sqlite.jsonl.gz" | wc -l)
records_postgres=$(zcat "$WORK/postgres.jsonl.gz" | wc -l)
if [ "$records_sqlite" != "$records_postgres" ]; then
    echo "warning: the archives hold $records_sqlite and $records_postgres lines" >&2
fi

echo
echo "$("$ZX_BIN" --version), $(nproc) cores; PostgreSQL: $("$PG_BIN/postgres" --version 2>/dev/null || echo external) ($pg_settings)"
echo "$ROWS_E entities, $ROWS_D data rows (to $LAST), $ROWS_T targets; $RUNS import runs each"
echo
echo "| | SQLite | PostgreSQL |"
echo "|---|---|---|"
echo "| \`zx import\` (3 files, one transaction), best | $(echo "${import_s[sqlite]}" | best) s | $(echo "${import_s[postgres]}" | best) s |"
echo "| \`zx import\`, median | $(echo "${import_s[sqlite]}" | median) s | $(echo "${import_s[postgres]}" | median) s |"
echo "| database size after the import | ${size[sqlite]} | ${size[postgres]} |"
echo "| \`zx report --depth 1\` (load, consolidate, print), best of 3 | ${report_s[sqlite]} s | ${report_s[postgres]} s |"
echo "| \`zx bench rollup --from-db\`: load | ${load_s[sqlite]} s | ${load_s[postgres]} s |"
echo "| … then consolidate + all indicators, every month, best of 5 | ${rollup_s[sqlite]} s | ${rollup_s[postgres]} s |"
echo "| \`zx export -o FILE.gz\` | ${export_s[sqlite]} s | ${export_s[postgres]} s |"
echo "| \`zx restore\` of that archive into a new database | ${restore_s[sqlite]} s | ${restore_s[postgres]} s |"
