#!/bin/bash
# make install of the guest services (PREFIX, DESTDIR): libkvmrt_gs (.so, .a), kvmrt_gs.h,
# kvmrt_gs.pc, kvmrt-gs, kvmrt-gsd and its systemd unit; samples/gs-sample.c builds against
# the installed tree with pkg-config alone and runs (no port here: "not available", status 1).
XT_READ_ONLY=1
. "$(dirname "$0")/lib.sh"
root=$T/root
make -s -C "$XT_TOP" install PREFIX=/usr DESTDIR="$root" > install.log 2>&1 ||
	fail "make install: $(tail install.log)"
for f in usr/bin/kvmrt-gs usr/bin/kvmrt-gsd usr/include/kvmrt_gs.h usr/lib/libkvmrt_gs.a \
	usr/lib/libkvmrt_gs.so usr/lib/libkvmrt_gs.so.1 usr/lib/pkgconfig/kvmrt_gs.pc \
	usr/lib/systemd/system/kvmrt-gsd.service; do
	[ -e "$root/$f" ] || fail "not installed: /$f"
done
expect_grep "^ExecStart=/usr/bin/kvmrt-gsd " "$root/usr/lib/systemd/system/kvmrt-gsd.service"
expect_grep "^RuntimeDirectory=kvmrt-gs$" "$root/usr/lib/systemd/system/kvmrt-gsd.service"
if command -v systemd-analyze > /dev/null; then
	systemd-analyze verify "$root/usr/lib/systemd/system/kvmrt-gsd.service" 2> verify.txt
	expect_no_grep "kvmrt-gsd.service:[0-9]+:" verify.txt "systemd-analyze verify"
fi
mkdir -p pc
sed "s|^prefix=.*|prefix=$root/usr|" "$root/usr/lib/pkgconfig/kvmrt_gs.pc" > pc/kvmrt_gs.pc
flags=$(PKG_CONFIG_PATH=$T/pc pkg-config --cflags --libs kvmrt_gs) || fail "pkg-config kvmrt_gs"
${CC:-cc} -Wall -Werror -o gs-sample "$XT_TOP/samples/gs-sample.c" $flags ||
	fail "gs-sample does not build against the installed library"
expect_grep "libkvmrt_gs.so.1 => $root/usr/lib/libkvmrt_gs.so.1" \
	<(LD_LIBRARY_PATH=$root/usr/lib ldd ./gs-sample) "ldd gs-sample"
KVMRT_GS_PORT=/nonexistent LD_LIBRARY_PATH=$root/usr/lib ./gs-sample > run.txt 2>&1
[ $? = 1 ] || fail "gs-sample without a port did not exit 1: $(cat run.txt)"
expect_grep "not available" run.txt "gs-sample"
ok "installed: libkvmrt_gs, kvmrt-gs, kvmrt-gsd and its unit; gs-sample builds and runs against them"
