#!/bin/bash
# bench/fanout.sh: one command over many systems (xtrace-run --remote A --remote B ...).
#
# Loopback systems (scripts/loopback-sshd.sh: an OpenSSH sshd each, in its own UTS
# namespace) are recorded by one xtrace-run running a 1 s command here:
#
#   xtrace-run -q -F CFG --ssh-timeout 60 -b 64K -e sched:sched_process_exec -o OUT \
#       --remote fan01 ... -- sh -c 'date +%s%N > t1; sleep 1; date +%s%N > t2'
#
# for N = 1 4 8 16 32 systems (BENCH_FANOUT_SIZES), BENCH_FANOUT_REPS (3) runs each,
# and prints the medians of:
#   start  from xtrace-run's exec to the command's first line: ssh connection and
#          authentication of every system, each remote "xtrace-run --serve" started and
#          recording (its tracefs instance, formats, symbols), a clock check of each
#          (8 rounds), the local recorder started, the command forked;
#   after  from the command's last line to xtrace-run's exit: a clock check of each,
#          every recorder flushed and stopped, every recording fetched over SFTP, the
#          merge of all of them (N + 1 systems), the collection file;
#   lost   systems of the N that were not collected (state other than stopped);
#   cpu    the CPU time (user+sys) of the collector's process tree: xtrace-run here with
#          its local recorder, every ssh session's crypto, the fetches and the merge
#          (the remote systems' sshd, shells and recorders are not in it).
# Loopback systems share this kernel and this machine's CPUs: small buffers (-b 64K) and
# one rare event keep the kernel's own work from dominating, but every system's sshd,
# login shell, recorder (its start saves the kernel's symbols: ~0.1 s of CPU) and
# guardian still run on the same CPUs, so with many systems the start is bounded by
# that CPU, not by waiting; on a busy machine a system's start can then take longer than
# the default --ssh-timeout (10 s), so the runs have --ssh-timeout 60
# (BENCH_FANOUT_TIMEOUT): "lost" counts the systems that failed, not the slow ones. The systems' login shell is /bin/sh (loopback-sshd.sh
# --plain-shell), as on a small guest: root's bash would read this machine's
# ~/.bashrc for each ssh command (BENCH_FANOUT_SHELL=login keeps it).
# For reference it also times one local recorder alone (xtrace-run -b 64K ... -- true).
#
#   bench/fanout.sh                 (after make; as root; XT_PORT_RANGE=LO-HI
#                                    picks the sshd ports, default a free one each;
#                                    BENCH_FANOUT_XRUN=PATH: another xtrace-run here,
#                                    BENCH_FANOUT_RPATH=PATH: the systems' PATH)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")
XRUN=${BENCH_FANOUT_XRUN:-$TOP/bin/xtrace-run}
SIZES=${BENCH_FANOUT_SIZES:-1 4 8 16 32}
REPS=${BENCH_FANOUT_REPS:-3}
EV=sched:sched_process_exec
OPTS=${BENCH_FANOUT_OPTS:--b 64K -e $EV}
TIMEOUT=${BENCH_FANOUT_TIMEOUT:-60}
SSHD=$TOP/scripts/loopback-sshd.sh

die() { echo "fanout: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (tracefs)"
[ -x "$XRUN" ] || die "build first: make -C $TOP all"
[ -x /usr/sbin/sshd ] || die "/usr/sbin/sshd missing (openssh-server)"
max=0
for n in $SIZES; do [ "$n" -gt "$max" ] && max=$n; done

W=$(mktemp -d /tmp/xtrace-fanout.XXXXXX) || die "cannot make a work directory"
cleanup() {
	"$SSHD" stop-all "$W/sys" > /dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -m 0700 "$W/ctl" && export XTRACE_RUN_DIR=$W/ctl

cc -O2 -o "$W/rusage" "$HERE/rusage.c" || die "cannot build bench/rusage.c"
plain=--plain-shell
[ "${BENCH_FANOUT_SHELL:-}" = login ] && plain=
names=()
for i in $(seq "$max"); do
	n=$(printf 'fan%02d' "$i")
	"$SSHD" start $plain "$W/sys" "$n" ${BENCH_FANOUT_RPATH:+"$BENCH_FANOUT_RPATH"} || die "cannot start the sshd of $n"
	names+=("$n")
done
CFG=$W/sys/ssh_config

now() { date +%s%N; }
# run N REP: one collection of N systems; appends "N start_s after_s lost" to $W/res
run() {
	local n=$1 d=$W/run-$1-$2 args=() t0 t3 lost
	for s in "${names[@]:0:$n}"; do args+=(--remote "$s"); done
	mkdir -p "$d"
	t0=$(now)
	"$W/rusage" -o "$d/ru" "$XRUN" -q -F "$CFG" --ssh-timeout "$TIMEOUT" $OPTS -o "$d/out" \
		"${args[@]}" -- \
		sh -c "date +%s%N > '$d/t1'; sleep 1; date +%s%N > '$d/t2'" 2> "$d/err"
	t3=$(now)
	if [ ! -s "$d/t1" ] || [ ! -s "$d/t2" ]; then
		echo "fanout: $n systems: the command did not run:" >&2
		sed 's/^/  /' "$d/err" >&2
		return 1
	fi
	lost=$((n - $(grep -c '^state=stopped$' "$d/out/collection" 2>/dev/null || echo 1) + 1))
	[ "$lost" = 0 ] || sed 's/^/  /' "$d/err" >&2
	awk -v n="$n" -v a="$t0" -v b="$(cat "$d/t1")" -v c="$(cat "$d/t2")" -v e="$t3" \
		-v l="$lost" -v cpu="$(awk '{ print $2 + $3 }' "$d/ru")" 'BEGIN {
		printf "%d %.3f %.3f %d %.3f\n", n, (b - a) / 1e9, (e - c) / 1e9, l, cpu }' \
		>> "$W/res"
	rm -rf "$d"
}
med() {	# med N COL
	awk -v n="$1" -v c="$2" '$1 == n { v[k++] = $c }
		END {
			if (!k) { print "-"; exit }
			for (i = 0; i < k; i++) for (j = i + 1; j < k; j++)
				if (v[j] + 0 < v[i] + 0) { x = v[i]; v[i] = v[j]; v[j] = x }
			print (k % 2) ? v[int(k / 2)] : (v[k / 2 - 1] + v[k / 2]) / 2
		}' "$W/res"
}
: > "$W/res"
for r in $(seq "$REPS"); do
	for n in $SIZES; do run "$n" "$r"; done
done
t0=$(now)
"$XRUN" -q $OPTS -o "$W/alone" -- true || die "a local recorder failed"
alone=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')

echo "fan-out: xtrace-run --remote x N loopback systems, a 1 s command here,"
echo "$OPTS --ssh-timeout $TIMEOUT; medians of $REPS runs ($(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%8s %9s %9s %6s %9s %9s\n' systems "start s" "after s" lost "start/1" "cpu s"
s1=$(med "$(set -- $SIZES; echo "$1")" 2)
for n in $SIZES; do
	s=$(med "$n" 2)
	printf '%8d %9s %9s %6s %9s %9s\n' "$n" "$s" "$(med "$n" 3)" \
		"$(awk -v n="$n" '$1 == n { l += $4 } END { print l + 0 }' "$W/res")" \
		"$(awk -v a="$s" -v b="$s1" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.2f", a / b; else print "-" }')" \
		"$(med "$n" 5)"
done
echo "start: exec to the command's start (connect, remote recorders started, clock checks,"
echo "local recorder); after: the command's end to exit (stop, fetch, merge); lost: systems"
echo "not collected, over all runs; cpu: the collector's own CPU (xtrace-run here and its"
shell_desc="/bin/sh"
[ -z "$plain" ] && shell_desc="root's own"
echo "local recorder). Systems' login shell: $shell_desc. One local recorder alone: $alone s."
