#!/bin/bash
# Remote collection over ssh, as a user runs it: systems on loopback (a real
# sshd each, in its own UTS namespace with its own host name), one command that
# records them all, runs a failing app on one of them, and brings home one
# merged view. Then what goes wrong in real life: an unreachable host, a
# changed and an unknown host key, a system without xtrace, a recorder killed
# in the middle of the run.
. "$(dirname "$0")/lib.sh"
command -v /usr/sbin/sshd >/dev/null || skip "openssh-server is not installed"
command -v unshare >/dev/null || skip "unshare (util-linux) is missing"
unshare --uts true 2>/dev/null || skip "cannot make UTS namespaces here"

SSHD=$XT_TOP/scripts/loopback-sshd.sh
S=$T/systems
serve_dirs_before=$(ls -d /tmp/xtrace-serve-* 2>/dev/null | sort)
stop_systems() { "$SSHD" stop-all "$S" >/dev/null 2>&1; cleanup_jobs; }
trap stop_systems EXIT
for n in sysa sysb; do
	"$SSHD" start "$S" $n || fail "cannot start sshd for $n"
done
# a system whose ssh commands do not find xtrace-run
"$SSHD" start "$S" sysc /usr/sbin:/usr/bin:/sbin:/bin || fail "cannot start sshd for sysc"
CFG=$S/ssh_config
here=$(uname -n)

# ---------------------------------------------------------------- the main flow
start=$(date +%s%N)
xrun -F "$CFG" -m overwrite -o out --remote sysa --remote sysb --on sysb -- \
	sh -c 'echo "app on $(hostname) starts" > "$XTRACE_MARKER"; sleep 0.2;
	       echo "app fails" > "$XTRACE_MARKER"; echo app-output; exit 3' > app.out 2> run.err
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
cat run.err
[ $rc = 3 ] || fail "the exit status is $rc, not the app's 3"
expect_grep '^app-output$' app.out "the app's output"
for d in "$here" sysa sysb merged; do
	[ -d "out/$d" ] || fail "out/$d missing: $(ls out)"
done
[ -f out/sysa/clockcheck ] && [ -f out/sysb/clockcheck ] || fail "clock checks missing"
grep -c '^check ' out/sysa/clockcheck | grep -qx 2 || fail "want a check at start and end"
expect_grep '^exit_status=3$' out/collection
expect_no_grep 'error=' out/collection
ok "one command, 3 systems, app failed on sysb, exit 3 ($ms ms in all)"

xview -t epoch out/merged > merged.txt 2> view.err || fail "view of merged: $(cat view.err)"
# every system is there; the app's markers are on sysb, and only there
for h in "$here" sysa sysb; do
	expect_grep "^[0-9.]+ $h " merged.txt "merged view ($h)"
done
expect_grep '^[0-9.]+ sysb [0-9]+ MARKER \[app on sysb starts\]' merged.txt
expect_grep '^[0-9.]+ sysb [0-9]+ MARKER \[app fails\]' merged.txt
[ "$(grep -c 'MARKER \[app' merged.txt)" = 2 ] || fail "markers appear elsewhere too"
# the failure flushed every system, after the app's last marker
fail_ts=$(awk '/MARKER \[app fails\]/ { print $1 }' merged.txt)
for h in "$here" sysa sysb; do
	awk -v h="$h" -v t="$fail_ts" '$2 == h && $4 == "FLUSH" && $1 > t { f = 1 }
		END { exit !f }' merged.txt || fail "no FLUSH of $h after the failure"
done
# global order
awk 'NR > 1 && $1 < prev { print "out of order at line " NR ": " $0; bad = 1; exit }
     { prev = $1 } END { exit bad }' merged.txt || fail "the merged view is not in time order"
# counts per system match each recording as fetched
for h in "$here" sysa sysb; do
	want=$(xview out/$h | wc -l)
	got=$(awk -v h="$h" '$2 == h' merged.txt | wc -l)
	[ "$want" = "$got" ] && [ "$want" -gt 0 ] || fail "$h: $got events merged, $want recorded"
done
ok "merged view: all systems, markers on sysb, FLUSH after the failure, in order, counts match"
# nothing left behind on the remotes
serve_dirs=$(ls -d /tmp/xtrace-serve-* 2>/dev/null | sort)
[ "$serve_dirs" = "$serve_dirs_before" ] || fail "remote recordings left in /tmp: $serve_dirs"

# --no-merge --keep-remote: fetched, not merged, and the remote copy stays
xrun -q -F "$CFG" --no-merge --keep-remote -o kept --remote sysa -- true 2> kept.err ||
	fail "--no-merge --keep-remote: $(cat kept.err)"
[ -d kept/sysa ] && [ ! -e kept/merged ] || fail "--no-merge: $(ls kept)"
kept_dir=$(ls -d /tmp/xtrace-serve-* 2>/dev/null | sort | comm -13 <(echo "$serve_dirs_before") -)
[ -n "$kept_dir" ] && [ -f "$kept_dir/xtrace.meta" ] || fail "--keep-remote left nothing there"
rm -rf $kept_dir
ok "--no-merge and --keep-remote"

# ------------------------------------------------------- the same by hand
# xtrace-multi-merge fetches host:path operands over SFTP
mkdir -p byhand
"$XT_BIN/xtrace-run" -q -o "$T/byhand/local" -- true
ssh -F "$CFG" sysa "xtrace-run -q -o /tmp/xtrace-serve-byhand-$$ -- true" ||
	fail "a recording on sysa by hand"
"$XT_BIN/xtrace-multi-merge" -F "$CFG" -q -o byhand/merged byhand/local \
	"sysa:/tmp/xtrace-serve-byhand-$$" 2> mm.err || fail "multi-merge with a remote operand: $(cat mm.err)"
ssh -F "$CFG" sysa "rm -rf /tmp/xtrace-serve-byhand-$$"
xview -t epoch byhand/merged > byhand.txt || fail "view of byhand/merged"
expect_grep '^[0-9.]+ sysa ' byhand.txt "merge of a fetched recording"
# xtrace-ctl --remote controls a recorder there
ssh -F "$CFG" sysa "xtrace-run -q -o /tmp/xtrace-serve-ctl-$$ -- sleep 30" > /dev/null 2>&1 &
for _ in $(seq 100); do
	"$XT_BIN/xtrace-ctl" -F "$CFG" --remote sysa -q -d /tmp/xtrace-serve-ctl-$$ status \
		2>/dev/null && break
	sleep 0.1
done
"$XT_BIN/xtrace-ctl" -F "$CFG" --remote sysa -d /tmp/xtrace-serve-ctl-$$ flush stop > ctl.out 2>&1 ||
	fail "xtrace-ctl --remote: $(cat ctl.out)"
wait
ssh -F "$CFG" sysa "xtrace-view /tmp/xtrace-serve-ctl-$$ | grep -c FLUSH; rm -rf /tmp/xtrace-serve-ctl-$$" \
	> ctl.flush || fail "reading the remote recording"
[ "$(head -1 ctl.flush)" -ge 1 ] || fail "xtrace-ctl --remote flush left no FLUSH"
ok "by hand: xtrace-multi-merge host:path and xtrace-ctl --remote"

# the clock checks and exchanges travel with the recordings: the merge maps sysa's clock by them
"$XT_BIN/xtrace-multi-merge" -o remerge "out/$here" out/sysa > remerge.out 2> remerge.err ||
	fail "re-merge: $(cat remerge.err)"
expect_grep '^sysa +exchanges +[-+][0-9.]+ s' remerge.out
for f in clockcheck clocksync clockmap; do
	[ -f remerge/sources/sysa/$f ] || fail "the merge did not keep sysa's $f"
done
# --correct-clocks, the default now, is still accepted; a merge of the merge keeps the mapping
"$XT_BIN/xtrace-multi-merge" -q --correct-clocks -o corrected "out/$here" out/sysa ||
	fail "merge with --correct-clocks"
xview -i corrected | grep -E "^clock +sysa: exchanges, " > /dev/null ||
	fail "sysa not mapped by its exchanges: $(xview -i corrected | grep '^clock')"
"$XT_BIN/xtrace-multi-merge" -q -o again corrected || fail "merging the merge"
cmp <(xview corrected) <(xview again) || fail "a merge of the merge moved events"
ok "clock checks and exchanges kept with the recordings, the merge maps sysa by them"

# ---------------------------------------------------------- what goes wrong
# an unreachable system, and one without xtrace: the others are still collected
cat >> "$CFG" <<EOF
Host nowhere
    HostName 127.0.0.1
    Port 1
    User root
    IdentityFile $S/id_ed25519
    UserKnownHostsFile $S/known_hosts
EOF
xrun -F "$CFG" --ssh-timeout 3 -o bad1 --remote nowhere --remote sysc --remote sysa -- \
	sh -c 'echo fine > "$XTRACE_MARKER"' 2> bad1.err
rc=$?
cat bad1.err
[ $rc = 0 ] || fail "exit $rc: the command succeeded here, failures elsewhere are reported, not its status"
expect_grep 'nowhere: cannot connect' bad1.err
expect_grep 'sysc: .*xtrace-run: not found' bad1.err
expect_grep 'partial: ' bad1.err
[ -d bad1/sysa ] && [ -d "bad1/$here" ] || fail "the reachable systems were not collected: $(ls bad1)"
expect_grep 'state=unreachable' bad1/collection
expect_grep 'state=no xtrace' bad1/collection
xview -i bad1/merged > bad1.info 2>&1
expect_grep 'warning .*nowhere: cannot connect' bad1.info "merged metadata"
ok "unreachable system and one without xtrace reported by name; the others merged"

# a changed host key is refused, an unknown one too unless accepted
port=$(cat "$S/sysa.port")
ssh-keygen -q -t ed25519 -N '' -f "$S/other.key"
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$S/other.key.pub")" > "$S/known_hosts.changed"
: > "$S/known_hosts.empty"
for kind in changed empty; do
	cat >> "$CFG" <<-EOF
	Host sysa-$kind
	    HostName 127.0.0.1
	    Port $port
	    User root
	    IdentityFile $S/id_ed25519
	    UserKnownHostsFile $S/known_hosts.$kind
	EOF
done
xrun -F "$CFG" -o bad2 --remote sysa-changed --on sysa-changed -- true 2> bad2.err
rc=$?
[ $rc = 255 ] || fail "--on a system with a changed host key: exit $rc, not 255"
[ -e bad2 ] && fail "an --on failure left bad2 behind"
expect_grep 'REMOTE HOST IDENTIFICATION HAS CHANGED' bad2.err
expect_grep 'SHA256:' bad2.err
xrun -F "$CFG" -o bad3 --remote sysa-empty -- true 2> bad3.err
expect_grep "authenticity of this host can't be established" bad3.err
expect_grep 'accept-new-host-key' bad3.err
[ -s "$S/known_hosts.empty" ] && fail "known_hosts written without being asked"
xrun -q -F "$CFG" -o good3 --accept-new-host-key --remote sysa-empty -- true 2> good3.err ||
	fail "accept-new-host-key: $(cat good3.err)"
[ -d good3/sysa ] || fail "nothing collected after accepting the new key"
grep -q "$(cut -d' ' -f2 "$S/sysa.hostkey.pub")" "$S/known_hosts.empty" ||
	fail "the accepted key is not in known_hosts"
ok "changed host key refused (exit 255 for --on), unknown refused, accepted on request"

# a remote recorder killed in the middle of the run: reported, the rest merged
xrun -F "$CFG" -o killed --remote sysa --on sysa -- sh -c '
	pid=$(xtrace-ctl -d "$XTRACE_DIR" status | awk "NR == 2 { print \$1 }")
	kill -9 "$pid"; sleep 0.5; echo done' > killed.out 2> killed.err
rc=$?
cat killed.err
[ $rc = 0 ] || fail "killed recorder: exit $rc, not the command's 0"
expect_grep '^done$' killed.out
expect_grep 'sysa: the recorder \(pid [0-9]+\) died' killed.err
expect_grep 'state=died' killed/collection
[ -d "killed/$here" ] && [ -d killed/merged ] || fail "nothing merged after a remote recorder died"
xview killed/merged > killed.txt 2>/dev/null
expect_grep " $here " killed.txt "merged view after a death"
ok "a remote recorder killed mid-run: reported by name, the others merged"

# the killed recorder's tracefs instance is swept by the next recorder
"$XT_BIN/xtrace-run" -q -o sweep -- true
no_instances
