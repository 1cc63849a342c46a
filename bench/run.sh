#!/bin/bash
# bench/run.sh SIZE... -- the same full workload in libsupportkpi and in two peers
# (SQLite, DuckDB), on the same files, in the same run; the peers' numbers are
# checked against the library's before any ratio is printed.  See bench/README.md.
#
#   bench/run.sh 100000 1000000
#
# For each SIZE: tools/gen_data.py --profile bench --contacts SIZE --seed SEED into
# $SKPI_BENCH_DIR/SIZE (default /tmp/skpi-bench/SIZE; generated once, then cached),
# then under /usr/bin/time -v: the library (build/tools/supportkpi report ...
# --format json), bench/skpi_bench.c (the same through the API, phases timed),
# SQLite (bench/sqlite_report.sql in the sqlite3 CLI) and DuckDB
# (bench/duckdb_report.mjs); then bench/tabulate.py checks and tabulates.
#
# Environment: SKPI_BENCH_DIR (data and results, default /tmp/skpi-bench),
# SKPI_BENCH_SEED (default 2025), SKPI_BENCH_REPEAT (runs per engine, best wall
# time kept; default 1).  Assumes `make` has built build/.  Exit status 0 when every
# peer matched at every size, 1 otherwise, 2 on bad usage or a missing tool.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
base=${SKPI_BENCH_DIR:-/tmp/skpi-bench}
seed=${SKPI_BENCH_SEED:-2025}
repeat=${SKPI_BENCH_REPEAT:-1}

die() { echo "bench: $*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: bench/run.sh SIZE... (numbers of contacts, e.g. 100000 1000000)"
for size in "$@"; do
    [[ "$size" =~ ^[1-9][0-9]*$ ]] || die "'$size' is not a number of contacts"
done
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || die "SKPI_BENCH_REPEAT='$repeat' is not a positive integer"
[[ "$seed" =~ ^[0-9]+$ ]] || die "SKPI_BENCH_SEED='$seed' is not an integer"
case "$base" in "$root"|"$root"/*) die "SKPI_BENCH_DIR must be outside the source tree" ;; esac
case "$base" in *"'"*|*"|"*) die "SKPI_BENCH_DIR must not contain ' or |" ;; esac

build=${SKPI_BUILD:-$root/build}   # the build tree (make bench passes its own)
cli=$build/tools/supportkpi
lib_a=$build/lib/.libs/libsupportkpi.a
[ -x "$cli" ] || die "$cli is missing: run make first"
[ -f "$lib_a" ] || die "$lib_a is missing: run make first"
for tool in sqlite3 node python3 cc; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is not installed"
if [ ! -f "$here/node_modules/@duckdb/node-api/package.json" ]; then
    echo "bench: installing @duckdb/node-api (npm ci in bench/)"
    (cd "$here" && npm ci --no-audit --no-fund >/dev/null) || die "npm ci failed in bench/"
fi

mkdir -p "$base/bin" || die "cannot create $base"
# skpi_bench: against the build tree's static library, so that it runs the code
# `make` just built (no install, no LD_LIBRARY_PATH).
cc -std=c11 -O2 -Wall -Wextra -I "$root/include" -I "$build/include" \
    "$here/skpi_bench.c" "$lib_a" -pthread -o "$base/bin/skpi_bench" || die "cannot build skpi_bench"

duckdb_version=$(node -e "console.log(require('$here/node_modules/@duckdb/node-api/package.json').version)")
echo "bench: $(uname -m), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo);" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench: $("$cli" --version), sqlite3 $(sqlite3 --version | cut -d' ' -f1)," \
     "@duckdb/node-api $duckdb_version (node $(node --version)); seed $seed, best of $repeat"

python3 "$here/tabulate.py" --left-out

contacts_header="id,customer,reason,channel,region,opened_at,first_response_at,closed_at,handle_seconds,tier,escalations,outcome,reopens,csat"
costs_header="category,amount,currency,start,end,driver,channel,scope"
rates_header="tier,rate_per_hour"

passed=0
failed=0
sizes=()
for size in "$@"; do
    data=$base/$size
    out=$data/out
    # ------------------------------------------------------------ the data
    if [ "$(cat "$data/.complete" 2>/dev/null)" != "seed $seed" ]; then
        echo "bench: generating $size contacts into $data"
        rm -rf "$data"
        python3 "$root/tools/gen_data.py" --profile bench --contacts "$size" --seed "$seed" \
            --out "$data" || die "gen_data.py failed"
        # The peers read timestamps as integers: check that they are epoch seconds.
        awk -F, 'NR > 1 && ($6 !~ /^-?[0-9]+$/ || $7 !~ /^(-?[0-9]+)?$/ || $8 !~ /^(-?[0-9]+)?$/) {
                     print "bench: " FILENAME ":" NR ": a timestamp that is not epoch seconds"; bad = 1; exit }
                 END { exit bad }' "$data/contacts.csv" || die "unexpected data"
        awk -F, 'NR > 1 && ($4 !~ /^-?[0-9]+$/ || $5 !~ /^-?[0-9]+$/) {
                     print "bench: " FILENAME ":" NR ": a period bound that is not epoch seconds"; bad = 1; exit }
                 END { exit bad }' "$data/costs.csv" || die "unexpected data"
        echo "seed $seed" > "$data/.complete"
    fi
    [ "$(head -1 "$data/contacts.csv")" = "$contacts_header" ] || die "$data/contacts.csv: unexpected columns"
    [ "$(head -1 "$data/costs.csv")" = "$costs_header" ] || die "$data/costs.csv: unexpected columns"
    [ "$(head -1 "$data/rates.csv")" = "$rates_header" ] || die "$data/rates.csv: unexpected columns"

    # ------------------------------------------------------------ the runs
    rm -rf "$out"
    mkdir -p "$out"
    cd "$out" || die "cannot enter $out"    # any stray file an engine writes stays here
    sed -e "s|@DATA@|$data|g" -e "s|@OUT@|$out|g" "$here/sqlite_report.sql" > "$out/sqlite.sql"
    for i in $(seq 1 "$repeat"); do
        echo "bench: $size contacts, run $i/$repeat: library, skpi_bench, sqlite, duckdb"
        /usr/bin/time -v -o "$out/lib.time.$i" "$cli" report --contacts "$data/contacts.csv" \
            --costs "$data/costs.csv" --rates "$data/rates.csv" --by channel,region \
            --format json > "$out/lib.json" 2> "$out/lib.err"
        /usr/bin/time -v -o "$out/skpi_bench.time.$i" "$base/bin/skpi_bench" \
            "$data/contacts.csv" "$data/costs.csv" "$data/rates.csv" "$out/skpi_bench.json" \
            > "$out/skpi_bench.out.$i" 2> "$out/skpi_bench.err"
        /usr/bin/time -v -o "$out/sqlite.time.$i" sqlite3 -batch \
            < "$out/sqlite.sql" > "$out/sqlite.out.$i" 2> "$out/sqlite.err.$i"
        /usr/bin/time -v -o "$out/duckdb.time.$i" node "$here/duckdb_report.mjs" "$data" \
            "$out/duckdb_facts.json" > "$out/duckdb.out.$i" 2> "$out/duckdb.err.$i"
    done

    cd "$root" || die "cannot enter $root"
    # ------------------------------------------------------------ the checks
    result=$(python3 "$here/tabulate.py" "$out" "$size" 2>&1)
    last=$(printf '%s\n' "$result" | tail -1)
    if [[ "$last" =~ ^result\ ([0-9]+)\ ([0-9]+)$ ]]; then
        printf '%s\n' "$result" | sed '$d'
        passed=$((passed + BASH_REMATCH[1]))
        failed=$((failed + BASH_REMATCH[2]))
        sizes+=("$size")
    else
        printf '%s\n' "$result"
        echo "bench: $size: the check itself failed"
        failed=$((failed + 2))
    fi
done

echo
python3 "$here/tabulate.py" --header
for size in "${sizes[@]}"; do
    cat "$base/$size/out/table.txt"
done
echo "(wall_s: best of $repeat; cpu_s: user + system of that run; ratio: wall_s / the"
echo " library's; load_s, compute_s: timed inside the process, the CSV load and everything"
echo " after it (library: bench/skpi_bench.c); c_ratio: compute_s / the library's)"
echo "bench: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
