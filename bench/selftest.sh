#!/bin/bash
# bench/selftest.sh [N] -- check the two peers against the library on small files,
# where exact rounding ties and every corner of the money arithmetic show up (the
# bench sizes rarely have them).  No timing.
#
# Runs, for seeds 1..N (default 10): tools/gen_data.py --profile bench at 20, 300
# and 3000 contacts, and bench/tiny_data.py at 5..70 contacts (tiny amounts,
# empty keys, scopes, a rate of 0, a cheaper tier 2); each file set through the
# library (`supportkpi report --format json`), bench/sqlite_report.sql and
# bench/duckdb_report.mjs, compared with compare_reports.py --exact.  Data under
# $SKPI_BENCH_DIR/selftest (default /tmp/skpi-bench/selftest).  Prints one line per
# mismatch and "selftest: N passed, N failed"; exit status 1 on any failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
base=${SKPI_BENCH_DIR:-/tmp/skpi-bench}/selftest
n=${1:-10}
[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/selftest.sh [N]" >&2; exit 2; }
[ -x "$root/build/tools/supportkpi" ] || { echo "selftest: run make first" >&2; exit 2; }
[ -f "$here/node_modules/@duckdb/node-api/package.json" ] ||
    (cd "$here" && npm ci --no-audit --no-fund >/dev/null) || exit 2

passed=0
failed=0
check() {   # check DIR: the library and both peers on DIR's files
    local d=$1 out=$1/out peer
    mkdir -p "$out"
    if ! "$root/build/tools/supportkpi" report --contacts "$d/contacts.csv" \
            --costs "$d/costs.csv" --rates "$d/rates.csv" --by channel,region \
            --format json > "$out/lib.json" 2> "$out/lib.err"; then
        echo "selftest: $d: the library failed: $(head -1 "$out/lib.err")"
        failed=$((failed + 2))
        return
    fi
    sed -e "s|@DATA@|$d|g" -e "s|@OUT@|$out|g" "$here/sqlite_report.sql" |
        sqlite3 -batch > /dev/null 2> "$out/sqlite.err"
    node "$here/duckdb_report.mjs" "$d" "$out/duckdb_facts.json" > /dev/null 2> "$out/duckdb.err"
    for peer in sqlite duckdb; do
        if python3 "$here/peer_to_json.py" "$out/${peer}_facts.json" "$out/$peer.json" \
                --by channel,region 2>> "$out/$peer.err" &&
           python3 "$root/tests/oracle/compare_reports.py" --exact "$out/lib.json" \
                "$out/$peer.json" > "$out/$peer.diff"; then
            passed=$((passed + 1))
        else
            echo "selftest: $d: $peer: $(cat "$out/$peer.diff" "$out/$peer.err" 2>/dev/null | head -3 | tr '\n' ' ')"
            failed=$((failed + 1))
        fi
    done
}

for seed in $(seq 1 "$n"); do
    for size in 20 300 3000; do
        d=$base/gen-$size-$seed
        [ -f "$d/rates.csv" ] || python3 "$root/tools/gen_data.py" --profile bench \
            --contacts "$size" --seed "$seed" --out "$d" > /dev/null || exit 2
        check "$d"
    done
    d=$base/tiny-$seed
    python3 "$here/tiny_data.py" "$seed" $((5 + seed % 20 * 7 / 2)) "$d" || exit 2
    check "$d"
done
echo "selftest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
