#!/bin/bash
# One command over 16 systems (issue 18): xtrace-run --remote x 16 loopback
# systems, one of them hung (it answers TCP, never ssh) and one slow to start (a
# wrapper xtrace-run that sleeps before exec'ing the real one). Every system is
# driven at once: the others record on time, whatever the hung one and the slow
# one do, and are all collected and merged; the slow one is collected (it joins
# when it comes up) or, past the end, given up and reported by name. A progress
# line shows on a terminal, and only there.
. "$(dirname "$0")/lib.sh"
command -v /usr/sbin/sshd >/dev/null || skip "openssh-server is not installed"
unshare --uts --mount true 2>/dev/null || skip "cannot make UTS and mount namespaces here"
command -v script >/dev/null || skip "script (bsdutils) is missing"

SSHD=$XT_TOP/scripts/loopback-sshd.sh
S=$T/systems
serve_dirs_before=$(ls -d /tmp/xtrace-serve-* 2>/dev/null | sort)
stop_systems() { "$SSHD" stop-all "$S" >/dev/null 2>&1; cleanup_jobs; }
trap stop_systems EXIT
good=()
for i in $(seq -w 1 14); do
	"$SSHD" start --plain-shell "$S" "f$i" > /dev/null || fail "cannot start sshd for f$i"
	good+=("f$i")
done
# slow: its xtrace-run --serve starts $S/slow-delay seconds late
mkdir -p wrap
cat > wrap/xtrace-run <<EOF
#!/bin/sh
[ "\$1" = --serve ] && sleep "\$(cat '$S/slow-delay')"
exec '$XT_BIN/xtrace-run' "\$@"
EOF
chmod 755 wrap/xtrace-run
"$SSHD" start --plain-shell "$S" slow "$T/wrap:$XT_BIN:/usr/sbin:/usr/bin:/sbin:/bin" > /dev/null ||
	fail "cannot start sshd for slow"
"$SSHD" blackhole "$S" hung || fail "cannot start the hung system"
CFG=$S/ssh_config
here=$(uname -n)
# the hung and the slow system first: one after the other, they would delay every other
remotes=(--remote hung --remote slow)
for g in "${good[@]}"; do remotes+=(--remote "$g"); done
EV=sched:sched_process_exec
OPTS=(-F "$CFG" -b 64K -e "$EV")

now() { date +%s.%N; }
# rec_start DIR: when the recording in DIR began (s since the epoch)
rec_start() { "$XT_BIN/xtrace-view" -i "$1" | awk '$1 == "start" { gsub(/\(/, "", $4); print $4 }'; }
# before A B: A < B (decimal seconds)
before() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }
# state_of DIR NAME: system NAME's state in DIR/collection
state_of() {
	awk -v n="$2" '$0 == "[system " n "]" { s = 1; next } /^\[/ { s = 0 }
		s && sub(/^state=/, "") { print }' "$1/collection"
}
# collected DIR NAME...: each NAME's recording fetched, stopped cleanly and merged
collected() {
	local d=$1 n
	shift
	for n in "$@"; do
		[ -f "$d/$n/xtrace.meta" ] || fail "$d/$n was not collected: $(ls "$d")"
		[ "$(state_of "$d" "$n")" = stopped ] ||
			fail "$n did not stop cleanly: $(cat "$d/collection")"
		"$XT_BIN/xtrace-view" -i "$d/merged" | grep -qE "^system +$n " ||
			fail "$n is not in $d/merged"
	done
}

# ------------------------------------------ the default: wait for every system
echo 4 > "$S/slow-delay"
t0=$(now)
# a timeout well above what 16 systems take to start on a busy 2-CPU machine (3 s at a load
# of 12): the hung one costs it in full, one after another it would have delayed every other
HUNG_T=12
xrun "${OPTS[@]}" --ssh-timeout $HUNG_T -o out "${remotes[@]}" -- \
	sh -c 'date +%s.%N > cmd.start; sleep 1' 2> run.err
rc=$?
cat run.err
[ $rc = 0 ] || fail "exit $rc: the command succeeded here"
expect_grep '^xtrace-run: hung: cannot connect' run.err
expect_grep 'partial: hung: ' run.err
expect_no_grep 'systems:' run.err "stderr (not a terminal: no progress)"
collected out "$here" slow "${good[@]}"
expect_grep '^state=unreachable$' out/collection
# the hung system did not delay the others: each recorded before its timeout was up
deadline=$(awk -v t="$t0" -v h=$HUNG_T 'BEGIN { printf "%.3f", t + h }')
for g in "${good[@]}"; do
	s=$(rec_start "out/$g")
	before "$s" "$deadline" || fail "$g began recording at $s, after hung's timeout ($deadline)"
done
# the slow one was slow, and the command waited for it (the default)
slow_s=$(rec_start out/slow)
before "$(awk -v t="$t0" 'BEGIN { printf "%.3f", t + 3 }')" "$slow_s" || fail "slow was not slow ($slow_s, t0 $t0)"
before "$slow_s" "$(cat cmd.start)" || fail "the command started before slow recorded"
ok "16 systems: the others recorded before hung's timeout, slow waited for, 15 collected and merged"

# ----------------------------------- --no-wait: the command starts without them
echo 4 > "$S/slow-delay"
t0=$(now)
xrun "${OPTS[@]}" --ssh-timeout $HUNG_T --no-wait -o nowait "${remotes[@]}" -- \
	sh -c 'date +%s.%N > cmd2.start; sleep 6' 2> nowait.err
rc=$?
cat nowait.err
[ $rc = 0 ] || fail "--no-wait: exit $rc"
collected nowait "$here" slow "${good[@]}"
expect_grep '^xtrace-run: hung: cannot connect' nowait.err
slow_s=$(rec_start nowait/slow)
before "$(cat cmd2.start)" "$slow_s" || fail "--no-wait: the command waited for slow"
before "$(cat cmd2.start)" "$(awk -v t="$t0" -v h=$HUNG_T 'BEGIN { printf "%.3f", t + h }')" ||
	fail "--no-wait: the command waited for hung's timeout"
ok "--no-wait: the command started at once; slow joined later and was collected"

# ------------------- slower than the ssh timeout: reported, then joins if it can
echo 5 > "$S/slow-delay"
xrun "${OPTS[@]}" --ssh-timeout 3 -o late --remote slow --remote f01 --remote f02 -- \
	sleep 8 2> late.err
rc=$?
cat late.err
[ $rc = 0 ] || fail "late: exit $rc"
expect_grep '^xtrace-run: slow: xtrace-run did not start within 3 s; going on without it' late.err
expect_grep '^xtrace-run: slow: its recorder started late, [0-9.]+ s after' late.err
collected late "$here" slow f01 f02
ok "slower than --ssh-timeout: reported by name, then joined and collected"

# and given up when the run ends first: reported, nothing left running there
echo 8 > "$S/slow-delay"
xrun "${OPTS[@]}" --ssh-timeout 2 -o gaveup --remote slow --remote f01 -- sleep 2 2> gaveup.err
rc=$?
cat gaveup.err
[ $rc = 0 ] || fail "gave up: exit $rc"
expect_grep '^xtrace-run: slow: xtrace-run did not start in time' gaveup.err
expect_grep 'partial: slow: xtrace-run did not start in time' gaveup.err
collected gaveup "$here" f01
[ "$(state_of gaveup slow)" = failed ] || fail "slow is not 'failed': $(cat gaveup/collection)"
sleep 6		# past the time slow's recorder would have started
# (other recordings may come and go there: only slow's would be ours)
for d in $(ls -d /tmp/xtrace-serve-* 2>/dev/null | sort | comm -13 <(echo "$serve_dirs_before") -); do
	"$XT_BIN/xtrace-view" -i "$d" 2>/dev/null | grep -qE '^host +slow ' &&
		fail "slow's recorder started after all and left $d there"
done
ok "ended before slow started: reported by name, given up, nothing left there"

# -------------------------------------------------- progress, on a terminal only
echo 2 > "$S/slow-delay"
script -qec "'$XT_BIN/xtrace-run' -F '$CFG' -b 64K -e sched:sched_process_exec -o tty \
	--remote slow --remote f01 --remote f02 -- true" /dev/null > tty.out 2>&1 ||
	fail "under a terminal: $(cat tty.out)"
expect_grep 'xtrace-run: 3 systems: .*recording' tty.out "the terminal"
expect_grep 'xtrace-run: 3 systems: .*(stopping|fetching|fetched)' tty.out "the terminal"
collected tty "$here" slow f01 f02
ok "a progress line on a terminal (systems starting, recording, fetched)"

# --------------- recorders starting at once: none waits on another still starting
# A recorder sweeps its control directory for the sockets of dead recorders. One still
# starting (as when tens of systems start on one kernel) accepts nothing yet: once its
# backlog was full, the sweep's connect() blocked until it did. Here a listener that never
# accepts, its backlog full, stands for it.
mkdir -m 700 ctl-busy
XTRACE_RUN_DIR=$T/ctl-busy perl -MIO::Socket::UNIX -MSocket -e '
	my $p = "$ENV{XTRACE_RUN_DIR}/xtrace-$$.sock";
	my $l = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $p, Listen => 1) or die "$!\n";
	my @c = map { IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $p, Blocking => 0) } 1 .. 4;
	open(my $r, ">", "$ENV{XTRACE_RUN_DIR}/../ctl-busy.ready"); close($r);
	sleep 120' > /dev/null 2>&1 &
busy=$!
for _ in $(seq 100); do [ -e ctl-busy.ready ] && break; sleep 0.1; done
[ -e ctl-busy.ready ] || fail "the busy listener did not come up"
start=$(now)
XTRACE_RUN_DIR=$T/ctl-busy timeout -s KILL 30 "$XT_BIN/xtrace-run" -q -b 64K -e "$EV" -o busy -- true ||
	fail "xtrace-run waited on a recorder that accepts nothing (status $?)"
kill "$busy"
wait "$busy" 2>/dev/null
secs=$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
before "$secs" 10 || fail "xtrace-run took $secs s beside a recorder that accepts nothing"
ok "a recorder beside another that accepts nothing yet starts at once ($secs s)"
