#!/bin/sh
# Replay the seed corpora through the fuzz harnesses built without libFuzzer
# (fuzz_NAME_replay = fuzz_NAME.c + fuzz_util.c + standalone.c): every file
# of corpus/NAME/ must run without a crash or a broken invariant.  Each file
# runs in a process of its own, so one failure does not hide the others.
#
#   make check                         (runs it from the build's fuzz/)
#   fuzz/replay.sh [NAME...]           by hand; NAME: contacts costs rates
#                                      columns breakdown (default: all)
# Environment:
#   srcdir         where corpus/ is (default: this script's directory; make
#                  check sets it)
#   FUZZ_BINDIR    where the fuzz_NAME_replay programs are (default: .)
#   FUZZ_WRAPPER   a command to run each through, e.g.
#                  "valgrind -q --error-exitcode=99 --leak-check=full"
# Prints one line per failed input with its error output, then
# "N passed, N failed"; exits 0 only when nothing failed.
set -u
srcdir=${srcdir:-$(dirname "$0")}
bindir=${FUZZ_BINDIR:-.}
wrapper=${FUZZ_WRAPPER:-}
names=${*:-contacts costs rates columns breakdown}
err=$(mktemp "${TMPDIR:-/tmp}/skpi-replay.XXXXXX") || exit 99
trap 'rm -f "$err"' EXIT INT TERM

passed=0
failed=0
for name in $names; do
    bin=$bindir/fuzz_${name}_replay
    dir=$srcdir/corpus/$name
    if [ ! -x "$bin" ] || [ ! -d "$dir" ]; then
        echo "FAIL: $name: no program $bin or no corpus $dir"
        failed=$((failed + 1))
        continue
    fi
    count=0
    for input in "$dir"/*; do
        [ -f "$input" ] || continue
        count=$((count + 1))
        # shellcheck disable=SC2086
        if $wrapper "$bin" "$input" >/dev/null 2>"$err"; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
            echo "FAIL: $name: $input (exit $?)"
            sed -e 's/^/    /' "$err" | head -n 40
        fi
    done
    echo "$name: $count inputs"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
