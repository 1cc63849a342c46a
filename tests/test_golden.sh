#!/bin/sh
# Golden outputs of the command on the bundled sample, in every format.  The
# JSON ones were checked against the independent oracle when recorded (and
# test_oracle.sh keeps checking the arithmetic on random data); these catch
# any change of what a user sees.  To record new ones after an intended
# change: run the commands below and review the diff.
set -u
cmd="$top_builddir/tools/supportkpi"
sample="$top_srcdir/data/sample"
golden="$top_srcdir/tests/golden"
files="--contacts $sample/contacts.csv --costs $sample/costs.csv --rates $sample/rates.csv"
out=$(mktemp "${TMPDIR:-/tmp}/skpi-golden.XXXXXX")
trap 'rm -f "$out"' EXIT
passed=0
failed=0

golden() {
    name=$1
    shift
    if "$cmd" "$@" $files > "$out" && diff -u "$golden/$name" "$out" > /dev/null; then
        passed=$((passed + 1))
    else
        echo "FAIL: $name differs (- golden, + now):"
        diff -u "$golden/$name" "$out" | head -20
        failed=$((failed + 1))
    fi
}

golden sample-by-channel.txt report --by channel
golden sample-by-channel.csv report --by channel --format csv
golden sample-by-channel.json report --by channel --format json
golden sample-by-tier-region-quarter.json report --by tier,region --bucket quarter --format json
golden sample-explain-social-2025-06.txt explain --row channel=social,month=2025-06

echo "golden: $passed passed, $failed failed"
[ "$failed" = 0 ]
