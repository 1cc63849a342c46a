#!/bin/sh
# Build the fuzz harnesses with libFuzzer, ASan and UBSan straight from the
# library's sources, and run one of them.
#
#   fuzz/run_libfuzzer.sh NAME [libFuzzer options...]   build if needed, then fuzz
#   fuzz/run_libfuzzer.sh --build                       only build every harness
#   fuzz/run_libfuzzer.sh NAME --minimize CRASH [-runs=N]
#                                                       minimise a crasher into
#                                                       fuzz/corpus/NAME/crash-<sha1>
#
# NAME is contacts, costs, rates, columns or breakdown.  Examples:
#   fuzz/run_libfuzzer.sh contacts -runs=10000000
#   fuzz/run_libfuzzer.sh breakdown -max_total_time=120
#
# Everything goes under $SKPI_FUZZ_OUT (default /tmp/skpi-fuzz):
#   bin/fuzz_NAME      the instrumented harnesses (rebuilt when a source changes)
#   work/NAME/         the work corpus: new interesting inputs of every run are
#                      merged into it (-merge=1), so later runs start from there
#   new/NAME/          what the last run found, before the merge
#   artifacts/NAME/    crash-*, leak-*, timeout-*, oom-* as libFuzzer wrote them
#   logs/NAME/         fuzz-N.log when -jobs is used
# Crash and leak artifacts are copied into fuzz/corpus/NAME/ (the seed corpus
# that `make check` replays); timeouts and out-of-memory inputs are only
# listed, to be looked at first.  The exit status is libFuzzer's.
#
# Needs clang with libFuzzer (clang 14 works) and a configured tree for the
# generated include/supportkpi/version.h: $SKPI_BUILD_INCLUDE, else
# build/include, else include/ when version.h is there (a release tarball
# configured in place).  CLANG overrides the compiler, FUZZ_CFLAGS adds flags.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
out=${SKPI_FUZZ_OUT:-/tmp/skpi-fuzz}
cc=${CLANG:-clang}
names="contacts costs rates columns breakdown"

usage() {
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

if [ -n "${SKPI_BUILD_INCLUDE:-}" ]; then
    buildinc=$SKPI_BUILD_INCLUDE
elif [ -f "$top/build/include/supportkpi/version.h" ]; then
    buildinc=$top/build/include
elif [ -f "$top/include/supportkpi/version.h" ]; then
    buildinc=$top/include
else
    echo "run_libfuzzer.sh: no generated supportkpi/version.h: configure first (make, in $top)" >&2
    exit 2
fi

flags="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
incs="-I$top/include -I$buildinc -I$top/lib"

# Rebuild everything when a source is newer than the last build.  A lock
# keeps two runs started together from building over each other.
build() {
    mkdir -p "$out/obj" "$out/bin"
    stamp=$out/bin/.stamp
    if [ -f "$stamp" ] && [ -z "$(find "$top/lib" "$top/include" "$buildinc" "$here" \
            \( -name '*.c' -o -name '*.h' \) -newer "$stamp" 2>/dev/null | head -n 1)" ]; then
        return 0
    fi
    echo "run_libfuzzer.sh: building the harnesses in $out/bin" >&2
    objs=
    for src in "$top"/lib/*.c; do
        obj=$out/obj/lib_$(basename "$src" .c).o
        # shellcheck disable=SC2086
        $cc $flags -fsanitize=fuzzer-no-link -DSKPI_BUILDING $incs $FUZZ_EXTRA -c "$src" -o "$obj"
        objs="$objs $obj"
    done
    # shellcheck disable=SC2086
    $cc $flags -fsanitize=fuzzer-no-link $incs $FUZZ_EXTRA -c "$here/fuzz_util.c" -o "$out/obj/fuzz_util.o"
    for n in $names; do
        # shellcheck disable=SC2086
        $cc $flags -fsanitize=fuzzer $incs $FUZZ_EXTRA "$here/fuzz_$n.c" "$out/obj/fuzz_util.o" \
            $objs -o "$out/bin/fuzz_$n"
    done
    touch "$stamp"
}

locked_build() {
    mkdir -p "$out"
    if command -v flock >/dev/null 2>&1; then
        (flock 9 && build) 9>"$out/.lock"
    else
        build
    fi
}

FUZZ_EXTRA=${FUZZ_CFLAGS:-}

[ $# -ge 1 ] || usage
case $1 in
--build) locked_build; exit 0 ;;
-h|--help) usage ;;
esac
name=$1
shift
case " $names " in
*" $name "*) ;;
*) echo "run_libfuzzer.sh: unknown harness '$name' (one of: $names)" >&2; exit 2 ;;
esac
locked_build
bin=$out/bin/fuzz_$name
seed=$here/corpus/$name

if [ "${1:-}" = --minimize ]; then
    [ $# -ge 2 ] || usage
    crash=$2
    shift 2
    min=$out/minimized-$name-$$
    # libFuzzer exits non-zero when the crash reproduces, which it must here.
    "$bin" -minimize_crash=1 -runs="${FUZZ_MINIMIZE_RUNS:-100000}" "$@" \
        -exact_artifact_path="$min" "$crash" || true
    [ -f "$min" ] || { echo "run_libfuzzer.sh: nothing minimised (does $crash crash?)" >&2; exit 1; }
    sum=$(sha1sum "$min" | cut -c1-40)
    mv "$min" "$seed/crash-$sum"
    echo "minimised: $(wc -c <"$seed/crash-$sum") bytes -> $seed/crash-$sum"
    exit 0
fi

work=$out/work/$name
new=$out/new/$name
art=$out/artifacts/$name
logs=$out/logs/$name
rm -rf "$new"
mkdir -p "$work" "$new" "$art" "$logs"
dict=
[ -f "$here/$name.dict" ] && dict=-dict=$here/$name.dict

# New inputs go to the first directory; the work and seed corpora are read.
# Artifacts of earlier runs stay in $art: only this run's are copied below.
touch "$logs/.start"
status=0
(cd "$logs" && "$bin" -artifact_prefix="$art/" -print_final_stats=1 -max_len=8192 -timeout=20 \
    $dict "$@" "$new" "$work" "$seed") || status=$?

# Merge what this run found into the work corpus.
if [ -n "$(ls -A "$new")" ]; then
    (cd "$logs" && "$bin" -merge=1 "$work" "$new" >"$logs/merge.log" 2>&1) \
        || echo "run_libfuzzer.sh: the merge failed, see $logs/merge.log" >&2
fi
echo "run_libfuzzer.sh: work corpus $work: $(ls "$work" | wc -l) inputs"

for f in "$art"/crash-* "$art"/leak-*; do
    [ -f "$f" ] && [ "$f" -nt "$logs/.start" ] || continue
    b=$(basename "$f")
    if [ ! -f "$seed/$b" ]; then
        cp "$f" "$seed/$b"
        echo "run_libfuzzer.sh: new crasher $seed/$b (minimise it: $0 $name --minimize $f)"
    fi
done
for f in "$art"/timeout-* "$art"/oom-* "$art"/slow-unit-*; do
    [ -f "$f" ] && [ "$f" -nt "$logs/.start" ] && echo "run_libfuzzer.sh: look at $f (not copied to the corpus)"
done
exit $status
