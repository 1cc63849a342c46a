#!/bin/sh
# Install what building and testing libsupportkpi needs on Debian, or print
# the exact command to run.  Exit 0 when everything is present.
set -eu

missing=
while read -r what pkg; do
    case "$what" in
        /*) [ -e "$what" ] && continue ;;
        *) command -v "$what" >/dev/null 2>&1 && continue ;;
    esac
    missing="$missing $pkg"
done <<'NEEDS'
autoconf autoconf
automake automake
libtoolize libtool
pkg-config pkg-config
make make
cc gcc
doxygen doxygen
python3 python3
lua5.4 lua5.4
/usr/include/check.h check
/usr/include/lua5.4/lua.h liblua5.4-dev
abidiff abigail-tools
gcovr gcovr
valgrind valgrind
NEEDS

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps.sh: installing:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
    exit 0
fi

echo "deps.sh: missing packages:$missing" >&2
echo "deps.sh: install them with:  sudo apt-get update && sudo apt-get install -y$missing" >&2
exit 1
