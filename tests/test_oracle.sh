#!/bin/sh
# Differential test: the supportkpi command against the independent Python
# oracle (tests/oracle/skpi_oracle.py) on random data with fixed seeds, every
# KPI of every row compared exactly.  Where the oracle refuses the data (a
# missing tier rate, say), the command must refuse it too, with exit 1.
set -u
py=${PYTHON:-python3}
cmd="$top_builddir/tools/supportkpi"
oracle="$top_srcdir/tests/oracle"
work=$(mktemp -d "${TMPDIR:-/tmp}/skpi-oracle.XXXXXX")
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
refused=0

# One comparison: data directory, then report options.
compare() {
    dir=$1
    shift
    files="--contacts $dir/contacts.csv --costs $dir/costs.csv --rates $dir/rates.csv"
    "$py" "$oracle/skpi_oracle.py" report $files "$@" > "$work/oracle.json" 2> "$work/oracle.err"
    want=$?
    "$cmd" report $files "$@" --format json > "$work/lib.json" 2> "$work/lib.err"
    got=$?
    if [ "$want" != "$got" ]; then
        echo "FAIL $dir $*: oracle exit $want, supportkpi exit $got"
        cat "$work/oracle.err" "$work/lib.err" | head -5
        failed=$((failed + 1))
    elif [ "$want" != 0 ]; then
        refused=$((refused + 1))
        passed=$((passed + 1))
    elif "$py" "$oracle/compare_reports.py" --exact "$work/oracle.json" "$work/lib.json" > "$work/diff" 2>&1; then
        passed=$((passed + 1))
    else
        echo "FAIL $dir $*:"
        head -20 "$work/diff"
        failed=$((failed + 1))
    fi
}

seed=1
for rates in yes no partial yes; do
    for ledger in full ties; do
        dir="$work/s$seed"
        "$py" "$oracle/gen_random.py" --seed "$seed" --contacts 2500 --rates "$rates" \
            --ledger "$ledger" --out "$dir" || { echo "FAIL: generator"; exit 1; }
        compare "$dir"
        compare "$dir" --by channel
        compare "$dir" --by region,tier --bucket month
        compare "$dir" --window 1h --by outcome --bucket week
        compare "$dir" --window 0 --cohort --anchor last --bucket quarter --by reason
        compare "$dir" --window 86400 --provisional --by product,channel
        compare "$dir" --window 30d --by tier --bucket day --as-of 2026-01-15T00:00:00Z
        seed=$((seed + 1))
    done
done
echo "oracle: $refused of the passes were data both refused"
echo "oracle: $passed passed, $failed failed"
[ "$failed" = 0 ]
