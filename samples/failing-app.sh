#!/bin/bash
# A stand-in for a real-time application that misses a deadline: it marks its
# cycles in the trace ($XTRACE_MARKER, set by xtrace-run) and fails on the last.
mark() { [ -n "${XTRACE_MARKER:-}" ] && echo "failing-app: $*" > "$XTRACE_MARKER"; }
for cycle in 1 2 3 4 5; do
	mark "cycle $cycle start"
	head -c 65536 /dev/urandom | sha256sum > /dev/null
	sleep 0.01
	mark "cycle $cycle done"
done
mark "giving up: deadline missed in cycle 5"
exit 3
