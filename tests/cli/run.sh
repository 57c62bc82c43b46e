#!/bin/bash
# The CLI tier (as zstd's tests/cli-tests): each tests/cli/cases/NAME.sh runs programs the way
# a user types them, without root and without tracing, and is checked against its expected
# files: NAME.exit (the status), NAME.stdout.exact or .glob, NAME.stderr.exact or .glob (a
# missing file: that stream must be empty; .glob: a bash pattern, * matches anything).
# Cases run in a scratch directory with bin/ first on PATH and $DATA = tests/data; as root
# they run as 'nobody', so nothing in them can need root.
#   tests/cli/run.sh [PATTERN]        run the cases (matching PATTERN)
#   tests/cli/run.sh --update NAME    (re)write NAME's .exit and .exact files from a run: review
#                                     the diff before committing it
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cases=$top/tests/cli/cases
out=${XT_OUT:-$top/tests/out}/cli
update=
[ "${1:-}" = --update ] && { update=1; shift; }
pattern=${1:-}
rm -rf "$out"
mkdir -p "$out"
# where the cases run (and, as root, the copies they run): anyone can reach /tmp
work=$(mktemp -d /tmp/xtrace-cli.XXXXXX) || exit 1
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

as_user=()
bin=$top/bin data=$top/tests/data scripts=$cases
if [ "$(id -u)" = 0 ]; then
	# the cases must not need root: they run as nobody, on copies of the programs (linked
	# statically with libxtrace) and the fixtures that nobody can read wherever the tree is
	as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
	cp -r "$top/bin" "$top/tests/data" "$cases" "$work/"
	chmod -R a+rX "$work"
	bin=$work/bin data=$work/data scripts=$work/cases
fi

# run_case NAME: its stdout, stderr and status into $out/NAME.*
run_case() {
	local name=$1 dir=$work/$1.d
	mkdir -p "$dir"
	chmod 777 "$dir"
	(cd "$dir" && env -i PATH="$bin:/usr/bin:/bin" HOME="$dir" LC_ALL=C.UTF-8 \
		DATA="$data" XTRACE_RUN_DIR="$dir/run" TZ=UTC \
		"${as_user[@]}" bash "$scripts/$name.sh" > "$out/$name.stdout" 2> "$out/$name.stderr")
	echo $? > "$out/$name.exit"
}

# matches NAME STREAM: the stream as its expected file says
matches() {
	local name=$1 s=$2 got=$out/$1.$2
	if [ -f "$cases/$name.$s.exact" ]; then
		cmp -s "$got" "$cases/$name.$s.exact"
	elif [ -f "$cases/$name.$s.glob" ]; then
		local want
		want=$(cat "$cases/$name.$s.glob")
		# shellcheck disable=SC2053
		[[ $(cat "$got") == $want ]]
	else
		[ ! -s "$got" ]
	fi
}

passed=0 failed=0 failures=()
for c in "$cases"/*.sh; do
	name=$(basename "$c" .sh)
	[ -n "$pattern" ] && [[ $name != *$pattern* ]] && continue
	run_case "$name"
	if [ -n "$update" ]; then
		cp "$out/$name.exit" "$cases/$name.exit"
		for s in stdout stderr; do
			[ -f "$cases/$name.$s.glob" ] && continue
			if [ -s "$out/$name.$s" ]; then cp "$out/$name.$s" "$cases/$name.$s.exact"
			else rm -f "$cases/$name.$s.exact"; fi
		done
		echo "updated $name"
		continue
	fi
	bad=
	cmp -s "$out/$name.exit" "$cases/$name.exit" ||
		bad="exit $(cat "$out/$name.exit"), expected $(cat "$cases/$name.exit" 2>/dev/null)"
	for s in stdout stderr; do
		matches "$name" "$s" || bad="$bad${bad:+; }$s differs"
	done
	if [ -z "$bad" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$name")
		echo "FAIL cli/$name: $bad"
		for s in stdout stderr; do
			exp=$cases/$name.$s.exact
			[ -f "$exp" ] || exp=/dev/null
			[ -f "$cases/$name.$s.glob" ] && continue
			diff -u "$exp" "$out/$name.$s" | head -20 | sed 's/^/    /'
		done
	fi
done
[ -n "$update" ] && exit 0
echo "cli: $passed passed, $failed failed"
[ $failed = 0 ]
