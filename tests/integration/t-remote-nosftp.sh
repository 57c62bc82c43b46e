#!/bin/bash
# Remote collection from systems without SFTP, as small real-time guests are:
# an OpenSSH sshd without "Subsystem sftp" and Debian's dropbear without an
# sftp-server, each on loopback in its own namespaces. The recordings come home
# over an exec stream of "xtrace-run --send", checked file by file, and are
# removed there only once the copy is whole. A stream cut short, damaged or
# sent by an xtrace-run without --send is refused, and leaves nothing that
# looks whole here and the recording in place there. Where SFTP is there
# (dropbear with its sftp-server), it is still the way.
. "$(dirname "$0")/lib.sh"
command -v /usr/sbin/sshd >/dev/null || skip "openssh-server is not installed"
[ -x /usr/sbin/dropbear ] || skip "dropbear-bin is not installed"
command -v sftp >/dev/null || skip "openssh-client (sftp) is not installed"
unshare --uts --mount true 2>/dev/null || skip "cannot make UTS and mount namespaces here"

SSHD=$XT_TOP/scripts/loopback-sshd.sh
S=$T/systems
stop_systems() { "$SSHD" stop-all "$S" >/dev/null 2>&1; cleanup_jobs; }
trap stop_systems EXIT
"$SSHD" start --no-sftp "$S" nosftp || fail "cannot start an sshd without SFTP"
"$SSHD" start --dropbear --no-sftp "$S" dropbear || fail "cannot start dropbear without SFTP"
"$SSHD" start --dropbear "$S" dbsftp || fail "cannot start dropbear with SFTP"
# a system whose xtrace-run --send is damaged on the way, as $S/damage says (below)
mkdir -p wrap
sed -e "s|@REAL@|$XT_BIN/xtrace-run|; s|@DAMAGE@|$S/damage|" > wrap/xtrace-run <<'EOF'
#!/bin/bash
# xtrace-run, with what --send writes damaged as @DAMAGE@ says: cut, noend, flip, old
real=@REAL@
[ "${1:-}" = --send ] || exec "$real" "$@"
mode=$(cat @DAMAGE@)
if [ "$mode" = old ]; then
	echo "xtrace-run: unrecognized option '--send'" >&2
	exit 2
fi
tmp=$(mktemp)
"$real" --send "$2" < /dev/null > "$tmp"
n=$(stat -c %s "$tmp")
case $mode in
cut)	head -c $((n / 2)) "$tmp" ;;
noend)	head -c $((n - $(tail -n 1 "$tmp" | wc -c))) "$tmp" ;;
flip)	b=$(od -An -tu1 -j $((n / 2)) -N1 "$tmp")
	printf "\\$(printf %o $((b ^ 4)))" | dd of="$tmp" bs=1 seek=$((n / 2)) conv=notrunc 2>/dev/null
	cat "$tmp" ;;
esac
rm -f "$tmp"
EOF
chmod 755 wrap/xtrace-run
"$SSHD" start --no-sftp "$S" damaged "$T/wrap:$XT_BIN:/usr/sbin:/usr/bin:/sbin:/bin" ||
	fail "cannot start the damaged system"
CFG=$S/ssh_config
here=$(uname -n)

# the servers are what they claim: no SFTP on nosftp and dropbear, SFTP on dbsftp
for h in nosftp dropbear; do
	echo ls | timeout 20 sftp -q -F "$CFG" -b - $h > sftp-$h.out 2>&1 &&
		fail "$h serves SFTP: $(cat sftp-$h.out)"
done
echo ls | timeout 20 sftp -q -F "$CFG" -b - dbsftp > sftp-dbsftp.out 2>&1 ||
	fail "dbsftp does not serve SFTP: $(cat sftp-dbsftp.out)"
for h in dropbear dbsftp; do
	ssh -v -F "$CFG" $h true 2>&1 | grep -q 'remote software version dropbear' ||
		fail "$h is not dropbear"
done
ok "an sshd without Subsystem sftp and a dropbear without sftp-server refuse SFTP"

# the remote recorders' directories, from xtrace-run -v
serve_dirs() { sed -n "s/^xtrace-run: \(.*\): recording on host '.*' in \(.*\) (pid .*/\1 \2/p" "$1"; }

# ---------------------------------------------------------------- the main flow
xrun -v -F "$CFG" -m overwrite -o out --remote nosftp --remote dropbear --on dropbear -- \
	sh -c 'echo "app on $(hostname) starts" > "$XTRACE_MARKER"; sleep 0.2;
	       echo "app fails" > "$XTRACE_MARKER"; exit 3' > app.out 2> run.err
rc=$?
cat run.err
[ $rc = 3 ] || fail "the exit status is $rc, not the app's 3"
for d in "$here" nosftp dropbear merged; do
	[ -d "out/$d" ] || fail "out/$d missing: $(ls -a out)"
done
# said in the normal output and in the collection: which way, and why
expect_grep '^xtrace-run: nosftp: fetched over an exec stream, sizes and checksums checked \(no SFTP there: its ssh server refused the SFTP subsystem' run.err
expect_grep '^xtrace-run: dropbear: fetched over an exec stream, sizes and checksums checked \(no SFTP there: its SFTP server did not start: .*sftp-server' run.err
expect_grep 'nosftp: fetched [0-9.]+ KiB in .* over an exec stream' run.err
[ "$(grep -c '^fetch=stream$' out/collection)" = 2 ] || fail "collection: $(cat out/collection)"
expect_grep '^no_sftp=its ssh server refused the SFTP subsystem' out/collection
expect_grep '^exit_status=3$' out/collection
expect_no_grep 'error=' out/collection
ls -a out | grep -q '\.part-' && fail "a partial copy left in out: $(ls -a out)"
# the recordings are removed there, once fetched
serve_dirs run.err > served
[ "$(wc -l < served)" = 2 ] || fail "want two remote recorders in run.err: $(cat served)"
while read -r sys dir; do
	[ -e "$dir" ] && fail "$sys: its recording $dir was not removed there"
done < served
ok "one command, no SFTP on either system: fetched over exec streams (said so), removed there"

xview -t epoch out/merged > merged.txt 2> view.err || fail "view of merged: $(cat view.err)"
for h in "$here" nosftp dropbear; do
	expect_grep "^[0-9.]+ $h " merged.txt "merged view ($h)"
	want=$(xview out/$h | wc -l)
	got=$(awk -v h="$h" '$2 == h' merged.txt | wc -l)
	[ "$want" = "$got" ] && [ "$want" -gt 0 ] || fail "$h: $got events merged, $want recorded"
done
expect_grep '^[0-9.]+ dropbear [0-9]+ MARKER \[app on dropbear starts\]' merged.txt
expect_grep '^[0-9.]+ dropbear [0-9]+ MARKER \[app fails\]' merged.txt
[ "$(grep -c 'MARKER \[app' merged.txt)" = 2 ] || fail "markers appear elsewhere too"
fail_ts=$(awk '/MARKER \[app fails\]/ { print $1 }' merged.txt)
for h in "$here" nosftp dropbear; do
	awk -v h="$h" -v t="$fail_ts" '$2 == h && $4 == "FLUSH" && $1 > t { f = 1 }
		END { exit !f }' merged.txt || fail "no FLUSH of $h after the failure"
done
ok "merged view: all systems, the app's markers on dropbear, FLUSH after the failure, counts match"

# --keep-remote: the recordings stay there, and the copies here are the same bytes
xrun -v -F "$CFG" --keep-remote --no-merge -o kept --remote nosftp --remote dropbear -- true \
	2> kept.err || fail "--keep-remote: $(cat kept.err)"
expect_grep '^xtrace-run: dropbear: fetched over an exec stream' kept.err
serve_dirs kept.err > kept.served
[ "$(wc -l < kept.served)" = 2 ] || fail "want two remote recorders in kept.err"
while read -r sys dir; do
	[ -f "$dir/xtrace.meta" ] || fail "$sys: --keep-remote did not keep $dir there"
	diff -r -x clockcheck -x clocksync "$dir" "kept/$sys" > /dev/null ||
		fail "$sys: the copy differs from the recording there"
	rm -rf "$dir"
done < kept.served
ok "--keep-remote: kept there, and the copies are identical"

# where SFTP works it is still the way (dropbear with its sftp-server)
xrun -F "$CFG" --no-merge -o viasftp --remote dbsftp -- true 2> viasftp.err ||
	fail "dropbear with SFTP: $(cat viasftp.err)"
expect_grep '^fetch=sftp$' viasftp/collection
expect_no_grep 'exec stream' viasftp.err
[ -f viasftp/dbsftp/xtrace.meta ] || fail "nothing fetched from dbsftp"
ok "dropbear with an sftp-server: fetched over SFTP"

# when the local command cannot even be run, the remote recordings are removed without SFTP too
xrun -v -F "$CFG" -o norun --remote nosftp -- /nonexistent-xtrace-command 2> norun.err
rc=$?
[ $rc = 127 ] || fail "a command not found: exit $rc, not 127"
serve_dirs norun.err > norun.served
[ -s norun.served ] || fail "no remote recorder in norun.err: $(cat norun.err)"
while read -r sys dir; do
	[ -e "$dir" ] && fail "$sys: $dir not removed there after the abort"
done < norun.served
ok "an aborted collection removes the remote recording with xtrace-run --remove"

# ------------------------------------------------------- the same by hand
for h in nosftp dropbear; do
	ssh -F "$CFG" $h "xtrace-run -q -o /tmp/xtrace-nosftp-byhand-$h-$$ -- true" ||
		fail "a recording on $h by hand"
done
"$XT_BIN/xtrace-multi-merge" -F "$CFG" -o byhand "nosftp:/tmp/xtrace-nosftp-byhand-nosftp-$$" \
	"dropbear:/tmp/xtrace-nosftp-byhand-dropbear-$$" > mm.out 2> mm.err ||
	fail "multi-merge of host:PATH without SFTP: $(cat mm.err)"
cat mm.err
for h in nosftp dropbear; do
	expect_grep "^xtrace-multi-merge: fetched $h:/tmp/xtrace-nosftp-byhand-$h-$$ \([0-9.]+ KiB\) over an exec stream, sizes and checksums checked \(no SFTP there" mm.err
	[ -f "/tmp/xtrace-nosftp-byhand-$h-$$/xtrace.meta" ] ||
		fail "xtrace-multi-merge removed its input on $h"
done
xview -t epoch byhand > byhand.txt || fail "view of byhand"
for h in nosftp dropbear; do
	expect_grep "^[0-9.]+ $h " byhand.txt "merge of $h's fetched recording"
done
ls -d byhand.fetch-* 2>/dev/null && fail "the fetched copies were left beside byhand"
ok "xtrace-multi-merge -o OUT host:PATH without SFTP (sshd and dropbear)"

# ------------------------------------------------------- damaged streams
ssh -F "$CFG" damaged "xtrace-run -q -o /tmp/xtrace-nosftp-damaged-$$ -- true" ||
	fail "a recording on damaged"
rdir=/tmp/xtrace-nosftp-damaged-$$
cp -a "$rdir" pristine
for mode in cut noend flip; do
	echo $mode > "$S/damage"
	"$XT_BIN/xtrace-multi-merge" -F "$CFG" -o mm-$mode "damaged:$rdir" > /dev/null 2> mm-$mode.err
	rc=$?
	cat mm-$mode.err
	[ $rc = 1 ] || fail "$mode: xtrace-multi-merge exit $rc, not 1"
	case $mode in
	cut) expect_grep 'was refused: cut short inside ' mm-$mode.err ;;
	noend) expect_grep 'was refused: cut short before its end record' mm-$mode.err ;;
	flip) expect_grep "was refused: '.*': checksum mismatch \(damaged in transit\)" \
		mm-$mode.err ;;
	esac
	[ -e mm-$mode ] && fail "$mode: a merge was written from a damaged stream"
	ls -d mm-$mode.fetch-* 2>/dev/null && fail "$mode: a fetch directory was left"
	diff -r "$rdir" pristine > /dev/null || fail "$mode: the recording there was changed"
done
ok "xtrace-multi-merge: streams cut short, without end record or damaged are refused"

# the one-command capture: the copy is refused, not kept, and the recording stays there
echo flip > "$S/damage"
xrun -v -F "$CFG" -o bad -m overwrite --remote damaged --remote nosftp -- true 2> bad.err
rc=$?
cat bad.err
[ $rc = 0 ] || fail "exit $rc: the command succeeded, a failed fetch is reported, not its status"
expect_grep 'damaged:.*: the copy over an exec stream \(no SFTP there\) was refused: .*checksum mismatch' bad.err
expect_grep 'damaged: cannot fetch its recording; it stays in .* there' bad.err
expect_grep 'partial: damaged: its recording could not be fetched' bad.err
[ -e bad/damaged ] && fail "the refused copy is in bad/damaged"
ls -a bad | grep -q '\.part-' && fail "a partial copy left in bad: $(ls -a bad)"
[ -d bad/nosftp ] && [ -d bad/merged ] || fail "the other systems were not collected: $(ls bad)"
serve_dirs bad.err > bad.served
bad_dir=$(awk '$1 == "damaged" { print $2 }' bad.served)
[ -n "$bad_dir" ] && [ -f "$bad_dir/xtrace.meta" ] ||
	fail "the recording on damaged ($bad_dir) was removed though its copy was refused"
rm -rf "$bad_dir"
ok "xtrace-run --remote: a damaged stream is refused, nothing partial kept, the recording stays there"

# an xtrace-run there without --send: said so
echo old > "$S/damage"
"$XT_BIN/xtrace-multi-merge" -F "$CFG" -o mm-old "damaged:$rdir" > /dev/null 2> mm-old.err &&
	fail "a remote xtrace-run without --send was taken"
cat mm-old.err
expect_grep 'no SFTP there .*its xtrace-run is too old to send a recording without it \(no --send\)' mm-old.err
ok "a remote xtrace-run without --send: a clear message"
rm -rf "$rdir" /tmp/xtrace-nosftp-byhand-nosftp-$$ /tmp/xtrace-nosftp-byhand-dropbear-$$
no_instances
