#!/bin/sh
# The shared library exports exactly the committed list of symbols, each in
# its version node: adding one is a decision (update lib/libsupportkpi.exports
# and, for a release, the version script; see doc/abi.md), losing one breaks
# the ABI.
set -u
so="$top_builddir/lib/.libs/libsupportkpi.so"
want="$top_srcdir/lib/libsupportkpi.exports"
got=$(mktemp "${TMPDIR:-/tmp}/skpi-exports.XXXXXX")
trap 'rm -f "$got"' EXIT
nm -D --defined-only "$so" | awk '$2 != "A" { print $3 }' | sort > "$got"
if diff -u "$want" "$got"; then
    echo "exports: $(wc -l < "$got") symbols, as committed"
    echo "1 passed, 0 failed"
else
    echo "exports differ from $want (- committed, + built)"
    echo "0 passed, 1 failed"
    exit 1
fi
