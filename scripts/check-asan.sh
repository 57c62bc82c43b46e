#!/bin/bash
# make check-asan: every test on an AddressSanitizer + UndefinedBehaviorSanitizer build
# of the committed tree (HEAD), cloned into a temporary directory so that this tree's
# own build is left alone. Any sanitizer report fails the test it happens in: ASan and
# LeakSanitizer make the program exit non-zero, UBSan is told to halt.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d /tmp/xtrace-asan.XXXXXX)
chmod 755 "$dir"	# tests that run helpers as nobody (t-kvmrt-libvirtd) go through it
trap 'rm -rf "$dir"' EXIT
git -C "$top" rev-parse --verify -q HEAD > /dev/null || { echo "check-asan: no commit" >&2; exit 1; }
[ -z "$(git -C "$top" status --porcelain --untracked-files=no)" ] ||
	echo "check-asan: note: testing HEAD, not the uncommitted changes" >&2
git clone -q "$top" "$dir/src"
export CC="${CC:-cc} -fsanitize=address,undefined -fno-omit-frame-pointer"
make -s -C "$dir/src" CFLAGS="-O1 -g" check-build
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1
"$dir/src/tests/run-all.sh" "$@"
