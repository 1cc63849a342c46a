#!/bin/sh
# Run the Lua binding's tests (bindings/lua/test_supportkpi.lua) against the
# module and library of the build tree.
#
# Environment (from TESTS_ENVIRONMENT): top_builddir, top_srcdir, LUA.
# Exit status: the test's; 77 (skipped) when the module cannot be run here.
set -u

: "${top_builddir:=..}"
: "${top_srcdir:=..}"
: "${LUA:=lua5.4}"

skip() {
    echo "test_lua.sh: SKIP: $*" >&2
    exit 77
}

if [ "$LUA" = none ] || ! command -v "$LUA" >/dev/null 2>&1; then
    skip "no Lua 5.4 interpreter (LUA='$LUA')"
fi

top_builddir=$(cd "$top_builddir" && pwd) || exit 99
top_srcdir=$(cd "$top_srcdir" && pwd) || exit 99
module="$top_builddir/bindings/.libs/supportkpi.so"
library="$top_builddir/lib/.libs/libsupportkpi.so"
[ -f "$module" ] || skip "$module is not built (make -C bindings)"
[ -f "$library" ] || skip "$library is not built"

# The Lua interpreter is not built with AddressSanitizer: a sanitized
# library or module needs the runtime preloaded, and leaks are not checked
# (the interpreter's own exit is not leak-clean under LD_PRELOAD).
preload=
if nm -D "$library" "$module" 2>/dev/null | grep -q '__asan_init'; then
    asan=$(${CC:-cc} -print-file-name=libasan.so 2>/dev/null)
    case $asan in
        /*) [ -f "$asan" ] || skip "library built with AddressSanitizer, but $asan does not exist" ;;
        *) skip "library built with AddressSanitizer, but '${CC:-cc} -print-file-name=libasan.so' finds no runtime to preload" ;;
    esac
    preload=$asan
    ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
    export ASAN_OPTIONS
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/skpi-lua.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

LD_LIBRARY_PATH="$top_builddir/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
LUA_CPATH_5_4="$top_builddir/bindings/.libs/?.so;;"
LUA_CPATH="$LUA_CPATH_5_4"
SKPI_TOP_BUILDDIR=$top_builddir
SKPI_TOP_SRCDIR=$top_srcdir
SKPI_TEST_TMP=$tmp
export LD_LIBRARY_PATH LUA_CPATH_5_4 LUA_CPATH SKPI_TOP_BUILDDIR SKPI_TOP_SRCDIR SKPI_TEST_TMP

if [ -n "$preload" ]; then
    LD_PRELOAD="$preload${LD_PRELOAD:+ $LD_PRELOAD}" \
        "$LUA" "$top_srcdir/bindings/lua/test_supportkpi.lua"
else
    "$LUA" "$top_srcdir/bindings/lua/test_supportkpi.lua"
fi
