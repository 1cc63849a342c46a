#!/bin/sh
# Stage `make install` into a temporary DESTDIR and build a program against it
# with nothing but pkg-config: the headers, the library and supportkpi.pc must
# all be in place and agree.
set -eu
stage=$(mktemp -d "${TMPDIR:-/tmp}/skpi-install.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# The configured libdir and includedir, inside the stage.
$MAKE -C "$top_builddir" install DESTDIR="$stage" >"$stage/install.log" 2>&1 || {
    cat "$stage/install.log"; exit 1; }

export PKG_CONFIG_PATH="$stage$libdir/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$stage"
cflags=$(pkg-config --cflags supportkpi)
libs=$(pkg-config --libs supportkpi)

cat > "$stage/prog.c" <<'PROG'
#include <stdio.h>
#include <string.h>
#include <supportkpi.h>

int main(void)
{
    skpi_ledger *ledger = NULL;
    if (skpi_ledger_new(&ledger, "EUR", NULL) != SKPI_OK)
        return 2;
    if (skpi_ledger_add_entry(ledger, SKPI_CATEGORY_OVERHEAD, 5000000, 0, 86400,
                              SKPI_DRIVER_CONTACTS, NULL, 0, NULL, NULL) != SKPI_OK)
        return 3;
    int64_t total = 0;
    skpi_ledger_total(ledger, &total);
    skpi_ledger_free(ledger);
    if (strcmp(skpi_version_string(), SKPI_VERSION_STRING) != 0)
        return 4;
    printf("%s %lld\n", skpi_version_string(), (long long)total);
    return total == 5000000 ? 0 : 5;
}
PROG
${CC:-cc} ${CFLAGS:-} $cflags -o "$stage/prog" "$stage/prog.c" ${LDFLAGS:-} $libs
out=$(LD_LIBRARY_PATH="$stage$libdir" "$stage/prog")
echo "staged install works: $out"
for f in "$includedir/supportkpi.h" "$includedir/supportkpi/version.h" \
         "$libdir/pkgconfig/supportkpi.pc"; do
    [ -f "$stage$f" ] || { echo "missing $f in the staged install"; exit 1; }
done
