#!/usr/bin/env python3
"""Two builds of zx on the same data, interleaved run by run so both see the same machine:
import, report, load, export and restore on SQLite and PostgreSQL (BENCHMARKS.md, "Before and
after"). Standard library only.

  bench/compare.py OLD_ZX NEW_ZX CSV_DIR PG_BASE_URL [ROUNDS]

CSV_DIR holds entities.csv, data.csv and targets.csv (`zx bench rollup --write-csv`, future
months removed); PG_BASE_URL is a database the role may create databases from."""
import json, os, statistics, subprocess, sys, tempfile, time

old, new, csv_dir, pg_base = sys.argv[1:5]
rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 5
files = [os.path.join(csv_dir, f) for f in ("entities.csv", "data.csv", "targets.csv")]
env = dict(os.environ, ZX_USER="bench", ZX_LANG="en")
work = tempfile.mkdtemp(prefix="zx-compare-")
results = {}  # (binary, backend, step) -> [seconds]


def run(*args):
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def timed(*args):
    start = time.perf_counter()
    run(*args)
    return time.perf_counter() - start


def pg_url(name):
    return pg_base.rsplit("/", 1)[0] + "/" + name


for round_ in range(rounds):
    for label, zx in (("old", old), ("new", new)):
        for backend in ("sqlite", "postgres"):
            tag = f"{label}_{backend}_{round_}_{os.getpid()}"
            db = os.path.join(work, tag + ".db") if backend == "sqlite" else pg_url("zx_cmp_" + tag)
            target = os.path.join(work, tag + "_r.db") if backend == "sqlite" else pg_url("zx_cmp_r_" + tag)
            archive = os.path.join(work, tag + ".jsonl.gz")
            run(zx, "init", "--db", db)
            steps = {"import": timed(zx, "import", "--db", db, *files)}
            steps["report"] = timed(zx, "report", "--db", db, "--depth", "1")
            out = subprocess.run([zx, "bench", "rollup", "--db", db, "--from-db", "--months", "11",
                                  "--runs", "1"], env=env, check=True, capture_output=True).stdout
            steps["load"] = json.loads(out)["load_s"]
            steps["export"] = timed(zx, "export", "--db", db, "-o", archive)
            steps["restore"] = timed(zx, "restore", "--db", target, archive)
            for step, seconds in steps.items():
                results.setdefault((label, backend, step), []).append(seconds)

print(f"{rounds} rounds, old and new interleaved")
print("| step | backend | old best | new best | old median | new median |")
print("|---|---|---|---|---|---|")
for backend in ("sqlite", "postgres"):
    for step in ("import", "report", "load", "export", "restore"):
        o, n = results[("old", backend, step)], results[("new", backend, step)]
        print(f"| {step} | {backend} | {min(o):.3f} s | {min(n):.3f} s | "
              f"{statistics.median(o):.3f} s | {statistics.median(n):.3f} s |")
