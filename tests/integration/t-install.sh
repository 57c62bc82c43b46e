#!/bin/bash
# make install with PREFIX and DESTDIR: programs, library, header and pkg-config
# file; a program built against the installed library reads a recording.
. "$(dirname "$0")/lib.sh"
root=$T/root
make -s -C "$XT_TOP" install PREFIX=/usr DESTDIR="$root" > install.log 2>&1 || fail "make install: $(tail install.log)"
for f in usr/bin/xtrace-run usr/bin/xtrace-ctl usr/bin/xtrace-view usr/include/xtrace.h \
	 usr/lib/libxtrace.a usr/lib/libxtrace.so usr/lib/pkgconfig/xtrace.pc; do
	[ -e "$root/$f" ] || fail "not installed: /$f"
done
expect_grep "^prefix=/usr$" "$root/usr/lib/pkgconfig/xtrace.pc"
# the installed tree sits under DESTDIR: our prefix moved there, the system's libraries where they are
mkdir -p pc
sed "s|^prefix=.*|prefix=$root/usr|" "$root/usr/lib/pkgconfig/xtrace.pc" > pc/xtrace.pc
flags=$(PKG_CONFIG_PATH=$T/pc pkg-config --cflags --libs xtrace) || fail "pkg-config xtrace"
# xtrace.h's tep_* types come with their library: pkg-config xtrace alone must be enough
expect_grep "^Requires: libtraceevent$" "$root/usr/lib/pkgconfig/xtrace.pc"
${CC:-cc} -o count "$XT_TOP/samples/count-events.c" $flags || fail "cannot build against the installed library"
expect_status 0 "$root/usr/bin/xtrace-run" -q -o rec sh -c 'echo installed > $XTRACE_MARKER'
LD_LIBRARY_PATH=$root/usr/lib ./count rec > counts.txt || fail "count-events on the installed library"
expect_grep "^event ftrace:print [1-9]" counts.txt
expect_grep "^damage 0$" counts.txt
"$root/usr/bin/xtrace-view" rec | grep -q 'MARKER \[installed\]' || fail "installed xtrace-view"
ok "installed tree works"
