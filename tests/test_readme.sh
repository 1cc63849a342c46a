#!/bin/sh
# The README's examples must run as shown: extract each one and run it
# against the build tree from the source directory (they read data/sample).
set -u
work=$(mktemp -d "${TMPDIR:-/tmp}/skpi-readme.XXXXXX")
trap 'rm -rf "$work"' EXIT
readme="$top_srcdir/README"
lib=$(cd "$top_builddir/lib/.libs" && pwd)
passed=0
failed=0

# An interpreter loading a library built with AddressSanitizer needs its
# runtime first (CI runs the tests in such a build too).
SKPI_PRELOAD=
if nm -D "$lib/libsupportkpi.so" 2>/dev/null | grep -q __asan_init; then
    SKPI_PRELOAD="LD_PRELOAD=$(${CC:-cc} -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0"
fi

# The indented block that starts at the line equal to $1 and ends before
# the next line that is not indented or blank.
block() {
    awk -v first="$1" '
        $0 == first { on = 1 }
        on && /^[^ ]/ { exit }
        on { sub(/^    /, ""); print }
    ' "$readme"
}

check() {
    name=$1
    shift
    if "$@" > "$work/out" 2>&1 && grep -q "cost per resolution" "$work/out"; then
        passed=$((passed + 1))
    else
        echo "FAIL: the README's $name example"
        cat "$work/out"
        failed=$((failed + 1))
    fi
}

block "    #include <stdio.h>" > "$work/example.c"
if ${CC:-cc} ${CFLAGS:-} -std=c11 -Wall -Wextra -Werror -I"$top_srcdir/include" \
       -I"$top_builddir/include" "$work/example.c" ${LDFLAGS:-} -L"$lib" -lsupportkpi \
       -o "$work/example" > "$work/out" 2>&1; then
    check C env LD_LIBRARY_PATH="$lib" sh -c "cd '$top_srcdir' && '$work/example'"
else
    echo "FAIL: the README's C example does not compile"
    cat "$work/out"
    failed=$((failed + 1))
fi

src=$(cd "$top_srcdir" && pwd)
build=$(cd "$top_builddir" && pwd)
if [ -n "${PYTHON:-}" ] && [ "$PYTHON" != none ]; then
    block "    import json" > "$work/example.py"
    check Python env PYTHONPATH="$src/bindings/python" \
        SUPPORTKPI_LIBRARY="$lib/libsupportkpi.so.0" $SKPI_PRELOAD \
        sh -c "cd '$src' && '$PYTHON' '$work/example.py'"
fi
if [ -n "${LUA:-}" ] && [ "$LUA" != none ] && [ -f "$build/bindings/.libs/supportkpi.so" ]; then
    block '    local skpi = require("supportkpi")' > "$work/example.lua"
    check Lua env LUA_CPATH="$build/bindings/.libs/?.so;;" LD_LIBRARY_PATH="$lib" $SKPI_PRELOAD \
        sh -c "cd '$src' && '$LUA' '$work/example.lua'"
fi

echo "readme: $passed passed, $failed failed"
[ "$failed" = 0 ]
