#!/usr/bin/env bash
# The cold paths at scale, in one run: a synthetic group imported into SQLite and into
# PostgreSQL, the first cockpit after each import (`zx report --depth 1`: load, consolidate,
# print), then a month's file imported into that history, each with its wall time and peak
# memory (max RSS), beside DuckDB's whole roll-up pipeline (bench/rollup_duckdb.py) on the
# same rows. See BENCHMARKS.md, "The cold paths".
#
#   bench/cold.sh [ENTITIES] [MONTHS] [RUNS]     # default: 10000 entities, 36 months, 3 runs
#
# ZX_BENCH_DATA=DIR keeps the generated CSV files in DIR and reuses them on the next run
# (generating 10,000 × 36 takes a minute). ZX_BIN=path/to/zx skips the release build.
# PostgreSQL: ZX_BENCH_DATABASE_URL if set, else a throw-away local cluster with the default
# durability (as bench/import.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

ENTITIES=${1:-10000}
MONTHS=${2:-36}
RUNS=${3:-3}
WORK=$(mktemp -d /tmp/zx-bench-cold.XXXXXX)
DATA=${ZX_BENCH_DATA:-$WORK/data}
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
python3 -c "import duckdb" 2>/dev/null || { echo "needs python3 -m pip install duckdb" >&2; exit 1; }
export ZX_USER=bench ZX_LANG=en

if [ -n "${ZX_BENCH_DATABASE_URL:-}" ]; then
    PG_BASE=$ZX_BENCH_DATABASE_URL
else
    [ -n "$PG_BIN" ] || { echo "PostgreSQL is not installed: set ZX_BENCH_DATABASE_URL" >&2; exit 1; }
    PG_DIR=$(mktemp -d /tmp/zx-bench-pg.XXXXXX)
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$PG_DIR"; fi
    as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
    PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 start \
        -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" >/dev/null
    PG_BASE="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
fi
pg_url() { echo "${PG_BASE%/*}/$1"; }
pg_sql() { "$PG_BIN/psql" -X -q -At "$PG_BASE" -c "$1"; }

# The generated group, rows of months after the current one dropped (data may not be submitted
# for the future), in the layout DuckDB's script reads (entities.csv, data.csv).
if [ ! -s "$DATA/import/data.csv" ]; then
    echo "== generating $ENTITIES entities × $MONTHS months into $DATA"
    mkdir -p "$DATA/import"
    "$ZX_BIN" bench rollup --entities "$ENTITIES" --months "$MONTHS" --runs 1 \
        --write-csv "$DATA/csv" >/dev/null
    NOW=$(date +%Y-%m)
    awk -F, -v now="$NOW" 'NR == 1 || $2 <= now' "$DATA/csv/data.csv" > "$DATA/import/data.csv"
    cp "$DATA/csv/entities.csv" "$DATA/csv/targets.csv" "$DATA/import/"
fi
# A month's file into that history: the last month's rows, every value one more (revisions).
if [ ! -s "$DATA/month/data.csv" ]; then
    mkdir -p "$DATA/month"
    LAST=$(tail -n 1 "$DATA/import/data.csv" | cut -d, -f2)
    awk -F, -v last="$LAST" 'BEGIN { OFS = "," } NR == 1 { print; next }
        $2 == last { $4 = sprintf("%.2f", $4 + 1); print }' "$DATA/import/data.csv" \
        > "$DATA/month/data.csv"
fi
FILES=("$DATA/import/entities.csv" "$DATA/import/data.csv" "$DATA/import/targets.csv")
ROWS_D=$(($(wc -l < "$DATA/import/data.csv") - 1))
ROWS_E=$(($(wc -l < "$DATA/import/entities.csv") - 1))
ROWS_M=$(($(wc -l < "$DATA/month/data.csv") - 1))
echo "   $ROWS_E entities, $ROWS_D data rows; a month's file of $ROWS_M rows"

# "SECONDS MAX_RSS_MB" of one command, its output discarded; a failure stops the script.
measured() {
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null
    awk '{ printf "%.2f %.0f", $1, $2 / 1024 }' "$WORK/time"
}
median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
best() { tr ' ' '\n' | sort -n | head -n 1; }
most() { tr ' ' '\n' | sort -n | tail -n 1; }

declare -A import_s import_mb report_s report_mb month_s month_mb
for backend in sqlite postgres; do
    echo "== $backend: import, then the first report, ×$RUNS"
    for run in $(seq "$RUNS"); do
        if [ "$backend" = sqlite ]; then
            db="$WORK/run$run.db"
        else
            db=$(pg_url "zx_bench_cold_$$_$run")
        fi
        "$ZX_BIN" init --db "$db" >/dev/null
        read -r s mb <<< "$(measured "$ZX_BIN" import --db "$db" "${FILES[@]}")"
        import_s[$backend]="${import_s[$backend]:-} $s"
        import_mb[$backend]="${import_mb[$backend]:-} $mb"
        read -r rs rmb <<< "$(measured "$ZX_BIN" report --db "$db" --depth 1)"
        report_s[$backend]="${report_s[$backend]:-} $rs"
        report_mb[$backend]="${report_mb[$backend]:-} $rmb"
        read -r ms mmb <<< "$(measured "$ZX_BIN" import --db "$db" "$DATA/month/data.csv")"
        month_s[$backend]="${month_s[$backend]:-} $ms"
        month_mb[$backend]="${month_mb[$backend]:-} $mmb"
        echo "   run $run: import $s s ($mb MB), first report $rs s ($rmb MB), a month's file $ms s ($mmb MB)"
        # One database at a time: 10,000 × 36 is a gigabyte each.
        if [ "$backend" = sqlite ]; then
            rm -f "$db" "$db-wal" "$db-shm"
        else
            pg_sql "DROP DATABASE IF EXISTS zx_bench_cold_$$_$run WITH (FORCE)"
        fi
    done
done

echo "== DuckDB: the whole roll-up pipeline from its own tables, ×$RUNS"
duck=$(python3 bench/rollup_duckdb.py "$DATA/import" --runs "$RUNS")
duck_best=$(python3 -c 'import json, sys; print("%.2f" % json.loads(sys.argv[1])["best_s"])' "$duck")
duck_median=$(python3 -c 'import json, sys; print("%.2f" % json.loads(sys.argv[1])["median_s"])' "$duck")
duck_version=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["version"])' "$duck")

trim() { echo "$1" | sed 's/^ *//'; }
echo
echo "$("$ZX_BIN" --version), $(nproc) cores, DuckDB $duck_version; PostgreSQL: $("$PG_BIN/postgres" --version 2>/dev/null || echo external)"
echo "$ROWS_E entities, $ROWS_D data rows; $RUNS runs each; best / median (max RSS: highest)"
echo
echo "| | SQLite | PostgreSQL |"
echo "|---|---|---|"
echo "| \`zx import\` (3 files, one transaction) | $(trim "${import_s[sqlite]}" | best) s / $(trim "${import_s[sqlite]}" | median) s | $(trim "${import_s[postgres]}" | best) s / $(trim "${import_s[postgres]}" | median) s |"
echo "| … its peak memory (max RSS) | $(trim "${import_mb[sqlite]}" | most) MB | $(trim "${import_mb[postgres]}" | most) MB |"
echo "| first \`zx report --depth 1\` after it (load, consolidate, print) | $(trim "${report_s[sqlite]}" | best) s / $(trim "${report_s[sqlite]}" | median) s | $(trim "${report_s[postgres]}" | best) s / $(trim "${report_s[postgres]}" | median) s |"
echo "| … its peak memory (max RSS) | $(trim "${report_mb[sqlite]}" | most) MB | $(trim "${report_mb[postgres]}" | most) MB |"
echo "| then \`zx import\` of a month's file into that history ($ROWS_M revised values) | $(trim "${month_s[sqlite]}" | best) s / $(trim "${month_s[sqlite]}" | median) s | $(trim "${month_s[postgres]}" | best) s / $(trim "${month_s[postgres]}" | median) s |"
echo "| … its peak memory (max RSS) | $(trim "${month_mb[sqlite]}" | most) MB | $(trim "${month_mb[postgres]}" | most) MB |"
echo "| DuckDB's whole pipeline from its own tables, same run | $duck_best s / $duck_median s | |"
