#!/bin/bash
# xtrace-view on bad input: one clear message and a non-zero exit; damaged
# recordings still show every readable event.
. "$(dirname "$0")/lib.sh"

expect_status 0 xrun -q -o rec -b 1M sh -c 'for i in $(seq 300); do echo "m$i" > $XTRACE_MARKER; cat /proc/stat > /dev/null; done'
xview rec > full.txt || fail "view of a good recording"
total=$(wc -l < full.txt)
[ "$total" -gt 1000 ] || fail "too few events ($total) to test damage"

# missing directory, a file, a directory that is not a recording
expect_status 1 xview nosuch 2> e1.txt
expect_grep "cannot open 'nosuch': No such file or directory" e1.txt
touch afile
expect_status 1 xview afile 2> e2.txt
expect_grep "cannot open 'afile': neither a recording \(a directory\) nor a trace.dat file" e2.txt
mkdir notrec
expect_status 1 xview notrec 2> e3.txt
expect_grep "cannot open 'notrec': not a recording" e3.txt
expect_status 2 xview 2> e4.txt
expect_status 2 xview -t nope rec 2> e5.txt
ok "missing and wrong inputs"

# a newer format version is refused by name
cp -r rec newer
sed -i -E 's/^format = 1\.[0-9]+$/format = 2.0/' newer/xtrace.meta
expect_status 1 xview newer 2> e6.txt
expect_grep "format version 2.0, newer than this xtrace-view reads" e6.txt
ok "newer version refused"

# the largest CPU file, for damage
big=$(ls -S rec/cpu*.xtd | head -1)
cpu=$(basename "$big" .xtd)
frames=$(( $(python3 -c "
import struct,sys
d=open('$big','rb').read(); off=32; n=0
while off+32<=len(d):
    m,cs=struct.unpack_from('<II',d,off); off+=32+cs; n+=1
print(n)") ))
[ "$frames" -ge 2 ] || skip "only $frames frame(s) in $big; cannot test mid-file damage"

# truncated in the middle of the last frame: earlier frames all shown
cp -r rec trunc
size=$(stat -c %s "trunc/$cpu.xtd")
truncate -s $((size - 100)) "trunc/$cpu.xtd"
expect_status 1 xview trunc > trunc.txt 2> trunc.err
expect_grep "truncated" trunc.err
n=$(wc -l < trunc.txt)
[ "$n" -gt 0 ] && [ "$n" -lt "$total" ] || fail "truncated view has $n of $total lines"
# every line shown is a line of the full view (nothing invented)
sort full.txt > full.sorted; sort trunc.txt > trunc.sorted
[ -z "$(comm -13 full.sorted trunc.sorted)" ] || fail "truncated view shows lines not in the recording"
ok "truncated: $n of $total events shown"

# a corrupted zstd frame (the first): skipped, the rest shown
cp -r rec corrupt
python3 - "corrupt/$cpu.xtd" <<'PY'
import sys
p = sys.argv[1]
d = bytearray(open(p, 'rb').read())
# inside the first frame's zstd data, past its own header
for i in range(32 + 32 + 40, 32 + 32 + 60):
    d[i] ^= 0x5a
open(p, 'wb').write(d)
PY
expect_status 1 xview corrupt > corrupt.txt 2> corrupt.err
expect_grep "corrupt frame skipped" corrupt.err
expect_grep "some data was damaged" corrupt.err
n2=$(wc -l < corrupt.txt)
[ "$n2" -gt 0 ] && [ "$n2" -lt "$total" ] || fail "corrupt view has $n2 of $total lines"
# the damaged CPU's later frames are still read: its events after the first frame's
# last one are all there
n=${cpu#cpu}
last_bad=$(python3 -c "
import struct
d=open('rec/$cpu.xtd','rb').read()
print(struct.unpack_from('<Q', d, 32 + 24)[0])")
after_full=$(xview -t raw rec | awk -v c=$n -v t=$last_bad '$3 == c && $1 > t' | wc -l)
after_bad=$(xview -t raw corrupt 2>/dev/null | awk -v c=$n -v t=$last_bad '$3 == c && $1 > t' | wc -l)
[ "$after_full" -gt 0 ] || fail "no events of $cpu after its first frame to check"
# (the first frame's last sub-buffer may hold a few events past its start time)
[ "$after_bad" -gt 0 ] && [ "$after_bad" -le "$after_full" ] &&
	[ $((after_full - after_bad)) -lt 200 ] ||
	fail "$cpu after the corrupt frame: $after_bad events of $after_full"
ok "corrupt frame: $n2 of $total events shown"

# damaged metadata
cp -r rec badmeta
echo "garbage line without equals" >> badmeta/xtrace.meta
expect_status 1 xview badmeta 2> e7.txt
expect_grep "damaged recording" e7.txt

# the view decodes from the recording alone: it never opens tracefs
if command -v strace > /dev/null; then
	strace -f -e trace=open,openat -o strace.txt "$XT_BIN/xtrace-view" rec > /dev/null
	expect_no_grep "/sys/kernel/(debug/)?tracing" strace.txt "xtrace-view's file accesses"
	ok "view reads no tracefs file"
fi

# a tasks file naming a task with a 300-byte comm (the kernel's are 15 at most): -f comm prints
# its first 63 bytes, nothing else (the field once moved on by the length it would have had)
need_gen
"$XT_GEN" -q -o longcomm -n longcomm -c 2 -e 2000 -s 3 -t 1795000000000000000 || fail "gen"
long=$(printf 'x%.0s' $(seq 300))
sed -i "s/^701 700 .*/701 700 $long/" longcomm/tasks
expect_grep "^701 700 x{300}$" longcomm/tasks
expect_status 0 xview -f pid,comm,event longcomm > longcomm.txt
[ "$(tr -d '\000' < longcomm.txt | cmp - longcomm.txt)" = "" ] || fail "NUL bytes in the view"
n=$(grep -cE "^701 x{63} [A-Z_]+$" longcomm.txt)
[ "$n" -gt 0 ] && [ "$n" = "$(grep -c '^701 ' longcomm.txt)" ] ||
	fail "a long comm: $(grep -a '^701 ' longcomm.txt | head -2 | cut -c1-200)"
ok "a 300-byte comm from the tasks file prints as its first 63 bytes ($n lines)"

# a print format whose __print_hex length comes from the record and exceeds it: libtraceevent
# would read that many bytes (a crash here before); the view prints the raw fields instead, and
# the same format with a length that fits still prints as the format says
expect_status 0 xrun -q -o sig -b 1M -e signal:signal_generate sh -c 'for i in 1 2 3; do sleep 0 & wait; done'
n=$(xview sig | grep -c 'signal:signal_generate \[')
[ "$n" -gt 0 ] || fail "no signal_generate events recorded"
cp -r sig hexlen
fmt=hexlen/formats/signal/signal_generate
sed -i 's/^print fmt: .*/print fmt: "comm=%s", __print_hex(REC->comm, REC->pid * 100000)/' $fmt
expect_status 0 xview hexlen > hexlen.txt
[ "$(grep -c 'signal:signal_generate \[ sig=[0-9]* .*comm=' hexlen.txt)" = "$n" ] ||
	fail "an overlong __print_hex: $(grep -m2 signal_generate hexlen.txt)"
sed -i 's/^print fmt: .*/print fmt: "comm=%s", __print_hex(REC->comm, 16)/' $fmt
expect_status 0 xview hexlen > hexok.txt
[ "$(grep -cE 'signal:signal_generate \[comm=([0-9a-f]{2} ){15}[0-9a-f]{2}\]' hexok.txt)" = "$n" ] ||
	fail "a fitting __print_hex: $(grep -m2 signal_generate hexok.txt)"
ok "__print_hex with a length beyond the record prints raw fields ($n events), one that fits prints hex"
