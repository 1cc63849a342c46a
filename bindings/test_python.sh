#!/bin/sh
# The Python bindings' test suite (bindings/python/tests) against the library
# of this build tree.  Run by `make check` in bindings/ with top_builddir,
# top_srcdir and PYTHON in the environment; by hand, from anywhere:
#     top_builddir=build sh bindings/test_python.sh
# Prints "N passed, N failed" last; exits 0, 1 (failures) or 77 (skipped).

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "${top_srcdir:-$here/..}" && pwd)
top_builddir=$(cd "${top_builddir:-$top_srcdir/build}" 2>/dev/null && pwd) || {
    echo "test_python.sh: no build tree (set top_builddir)" >&2
    exit 99
}
PYTHON=${PYTHON:-python3}
if [ "$PYTHON" = none ] || ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "test_python.sh: SKIP: no Python interpreter ('$PYTHON')"
    exit 77
fi

lib=$top_builddir/lib/.libs/libsupportkpi.so.0
if [ ! -f "$lib" ]; then
    echo "test_python.sh: $lib is missing: build the library first (make -C $top_builddir)" >&2
    exit 99
fi

SUPPORTKPI_LIBRARY=$lib
PYTHONPATH=$top_srcdir/bindings/python${PYTHONPATH:+:$PYTHONPATH}
export SUPPORTKPI_LIBRARY PYTHONPATH top_builddir top_srcdir
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

# A library built with AddressSanitizer can only be loaded into a Python whose
# first library is the ASan runtime: preload it (Python itself leaks by
# design, so leak detection is off).
asan=no
if command -v nm >/dev/null 2>&1; then
    nm -D "$lib" 2>/dev/null | grep -q __asan_init && asan=yes
elif grep -q __asan_init "$lib" 2>/dev/null; then
    asan=yes
fi
if [ "$asan" = yes ]; then
    runtime=$(${CC:-cc} -print-file-name=libasan.so 2>/dev/null)
    case $runtime in
    /*) ;;
    *)  echo "test_python.sh: SKIP: the library is built with AddressSanitizer and" \
             "'${CC:-cc} -print-file-name=libasan.so' finds no ASan runtime to preload"
        exit 77 ;;
    esac
    LD_PRELOAD=$runtime${LD_PRELOAD:+:$LD_PRELOAD}
    ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
    export LD_PRELOAD ASAN_OPTIONS
    if ! "$PYTHON" -c 'import supportkpi' >/dev/null 2>&1; then
        echo "test_python.sh: SKIP: the library is built with AddressSanitizer and" \
             "$PYTHON cannot load it even with LD_PRELOAD=$runtime:"
        "$PYTHON" -c 'import supportkpi' 2>&1 | tail -n 3
        exit 77
    fi
    echo "test_python.sh: AddressSanitizer build: LD_PRELOAD=$LD_PRELOAD"
fi

log=${TMPDIR:-/tmp}/test_python.$$.log
trap 'rm -f "$log"' EXIT INT TERM
"$PYTHON" -m unittest discover -v -s "$top_srcdir/bindings/python/tests" -t "$top_srcdir/bindings/python/tests" >"$log" 2>&1
status=$?
cat "$log"

# Count the verbose result lines ("test_x (...) ... ok").
passed=$(grep -c ' \.\.\. ok$' "$log")
failed=$(grep -c -E ' \.\.\. (FAIL|ERROR|unexpected success)$' "$log")
skipped=$(grep -c -E ' \.\.\. skipped' "$log")
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1   # the suite could not run (an import error ...)
fi
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
