#!/bin/sh
# The thread-safety contract of doc/threads.md under ThreadSanitizer: build
# tests/threads.c together with the library's sources (not the library that
# configure built: that one may be an ASan or a coverage build, and
# sanitizers do not mix) with -fsanitize=thread, run it, and let TSan stop at
# the first data race.  The CFLAGS and LDFLAGS of the environment are left
# out of this build on purpose.  Skipped (77) when the compiler cannot build,
# or the system cannot run, a ThreadSanitizer program.
set -u
: "${top_srcdir:?top_srcdir is not set}" "${top_builddir:?top_builddir is not set}"
cc=${CC:-cc}
tsan="-fsanitize=thread -g -O1 -pthread"
TSAN_OPTIONS="halt_on_error=1"
export TSAN_OPTIONS
work=$(mktemp -d "${TMPDIR:-/tmp}/skpi-threads.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT

skip() {
    echo "SKIP: $*"
    exit 77
}

# Can this compiler and this system run TSan, and does it see a race?
cat > "$work/probe.c" <<'PROBE'
#include <pthread.h>
#include <stdio.h>
static int counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int locked;
static void *bump(void *arg)
{
    for (int i = 0; i < 1000; i++) {
        if (locked)
            pthread_mutex_lock(&lock);
        counter++;
        if (locked)
            pthread_mutex_unlock(&lock);
    }
    return arg;
}
int main(int argc, char **argv)
{
    pthread_t t[2];
    locked = argc > 1;
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, bump, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("%s %d\n", argv[0], counter);
    return 0;
}
PROBE
# shellcheck disable=SC2086
$cc $tsan "$work/probe.c" -o "$work/probe" >"$work/probe.log" 2>&1 ||
    skip "$cc cannot build a ThreadSanitizer program (-fsanitize=thread): $(head -n 3 "$work/probe.log")"
"$work/probe" locked >"$work/probe.log" 2>&1 ||
    skip "this system cannot run ThreadSanitizer programs: $(head -n 3 "$work/probe.log")"
if "$work/probe" >"$work/probe.log" 2>&1; then
    skip "ThreadSanitizer did not report a planted data race"
fi

# The library's sources and the test, in one TSan build.
# shellcheck disable=SC2086
if ! $cc -std=c11 $tsan -DSKPI_BUILDING -I"$top_srcdir/include" -I"$top_builddir/include" \
        -I"$top_srcdir/lib" "$top_srcdir"/lib/*.c "$top_srcdir/tests/threads.c" \
        -o "$work/threads" >"$work/build.log" 2>&1; then
    cat "$work/build.log"
    echo "the ThreadSanitizer build of tests/threads.c failed"
    echo "0 passed, 1 failed"
    exit 1
fi

"$work/threads" >"$work/run.log" 2>&1
rc=$?
cat "$work/run.log"
if [ "$rc" -ne 0 ]; then
    echo "threads exited with status $rc (ThreadSanitizer exits with 66 on a data race)"
    tail -n 1 "$work/run.log" | grep -q '^[0-9]* passed, [1-9][0-9]* failed$' ||
        echo "0 passed, 1 failed"
    exit 1
fi
exit 0
