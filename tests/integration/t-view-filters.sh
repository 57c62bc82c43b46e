#!/bin/bash
# xtrace-view's filters, fields and JSON on a real recording, each checked against
# the plain view filtered by hand; --summary's counts against the plain view's;
# windows with and without frame skipping give the same lines.
. "$(dirname "$0")/lib.sh"

expect_status 0 xrun -q -o rec -b 4M -e sched,irq,syscalls sh -c \
	'for i in $(seq 300); do echo "m$i" > $XTRACE_MARKER; cat /proc/stat > /dev/null; done'
xview -t epoch rec > all.txt || fail "plain view"
total=$(wc -l < all.txt)
[ "$total" -gt 2000 ] || fail "too few events ($total)"

# --summary: per event name, the counts of the plain view (LOST_EVENTS lines say where
# events were lost: the summary reports them as lost, not as events)
xview -t epoch -f event rec | grep -v '^LOST_EVENTS' | sort | uniq -c | awk '{print $2, $1}' |
	sort > counts.view
xview -s -F json rec > sum.json || fail "--summary -F json"
python3 - sum.json > counts.sum <<'PY' || fail "summary JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["systems"]) == 1
s = d["systems"][0]
for k, v in sorted(s["counts"].items()):
    print(k, v)
print("TOTAL", s["events"], file=sys.stderr)
PY
sort -o counts.sum counts.sum
diff counts.view counts.sum > counts.diff || fail "summary counts differ from the view's: $(head counts.diff)"
xview -s rec > sum.txt
expect_grep "^system .*: $total events from" sum.txt
expect_grep " MARKER$" sum.txt
ok "summary: $(wc -l < counts.sum) event names, counts equal the view's"

# --event: names and tracepoints, globs
awk '$4 ~ /^SYSCALL_/' all.txt > want.txt
xview -t epoch -e 'SYSCALL_*' rec > got.txt
[ -s want.txt ] && cmp -s want.txt got.txt || fail "--event SYSCALL_*"
xview -t epoch -e 'raw_syscalls:*' rec > got2.txt
cmp -s want.txt got2.txt || fail "--event raw_syscalls:*"
awk '$4 == "MARKER" || $4 == "CONTEXT_SWITCH"' all.txt > want.txt
xview -t epoch --event MARKER,sched:sched_switch rec > got.txt
cmp -s want.txt got.txt || fail "--event MARKER,sched:sched_switch"
ok "--event"

# --cpu, --pid, --host
awk '$3 == 0' all.txt > want.txt
xview -t epoch --cpu 0 rec > got.txt
cmp -s want.txt got.txt || fail "--cpu 0"
xview -t epoch -f tod,pid,host,cpu,event,args rec > pids.txt
pid=$(awk '$5 == "MARKER" {print $2; exit}' pids.txt)
[ -n "$pid" ] || fail "no marker writer's pid"
awk -v p="$pid" '$2 == p' pids.txt | cut -d' ' -f1,3- > want.txt
xview -t epoch --pid "$pid" rec > got.txt
[ -s want.txt ] && cmp -s want.txt got.txt || fail "--pid $pid"
host=$(awk '{print $2; exit}' all.txt)
xview -t epoch --host "$host" rec | cmp -s - all.txt || fail "--host $host"
expect_status 2 xview --host nosuch rec 2> e.txt
expect_grep "no system matches --host 'nosuch'" e.txt
ok "--cpu, --pid $pid, --host"

# --from/--to (epoch, +offset, UTC time of day) and --around
from=$(sed -n "$((total / 3))p" all.txt | cut -d' ' -f1)
to=$(sed -n "$((total / 2))p" all.txt | cut -d' ' -f1)
awk -v f="$from" -v t="$to" '$1"" >= f"" && $1"" <= t""' all.txt > want.txt
xview -t epoch --from "$from" --to "$to" rec > got.txt
[ -s want.txt ] && cmp -s want.txt got.txt || fail "--from $from --to $to"
xview -t epoch --from "$from" --to "$to" --no-skip rec | cmp -s - want.txt || fail "--no-skip"
utc=$(date -u -d "@${from%.*}" +%Y-%m-%dT%H:%M:%S).${from#*.}
xview -t epoch --from "$utc" --to "$to" rec | cmp -s - want.txt || fail "--from $utc"
start=$(xview -t rel rec | head -1)
mid_rel=$(xview -t rel rec | sed -n "$((total / 3))p" | cut -d' ' -f1)
xview -t rel --from "+${mid_rel}s" rec | head -1 | grep -q "^$mid_rel " || fail "--from +${mid_rel}s"
xview -t epoch --around "${from}+-0.001" rec > around.txt
python3 - "$from" around.txt all.txt <<'PY' || fail "--around"
import sys
from decimal import Decimal
c = Decimal(sys.argv[1]); w = Decimal("0.001")
want = [l for l in open(sys.argv[3]) if c - w <= Decimal(l.split()[0]) <= c + w]
got = open(sys.argv[2]).readlines()
assert want and got == want, (len(want), len(got))
PY
expect_status 2 xview --from yesterday rec 2> e.txt
expect_grep "invalid time 'yesterday'" e.txt
expect_status 2 xview --around 12 rec 2> e.txt
expect_status 2 xview --from +2s --to +1s rec 2> e.txt
expect_grep "ends before it starts" e.txt
ok "--from/--to/--around: $(wc -l < want.txt) lines"

# --fields
xview -t epoch -f rel,delta,host,cpu,pid,comm,event,args rec > f.txt
[ "$(wc -l < f.txt)" = "$total" ] || fail "--fields: line count"
python3 - f.txt all.txt <<'PY' || fail "--fields rel/delta"
import sys
from decimal import Decimal
f = [l.split() for l in open(sys.argv[1])]
a = [l.split() for l in open(sys.argv[2])]
prev = None
for x, y in zip(f, a):
    rel, delta = Decimal(x[0]), Decimal(x[1])
    if prev is not None:
        assert delta == rel - prev, (x, prev)
    prev = rel
    assert x[2] == y[1] and x[3] == y[2], (x, y)      # host, cpu
    assert x[4].isdigit()                              # pid
assert f[0][1] == "+0.000000000"
PY
expect_status 2 xview -f tod,nosuch rec 2> e.txt
expect_grep "unknown field 'nosuch'" e.txt
ok "--fields"

# --format json: one object a line, same events as the text
xview -F json rec > j.txt
python3 - j.txt all.txt <<'PY' || fail "json lines"
import json, sys
a = [l.split(" ", 3) for l in open(sys.argv[2])]
n = 0
for line, t in zip(open(sys.argv[1]), a):
    o = json.loads(line)
    assert o["host"] == t[1] and str(o["cpu"]) == t[2], (o, t)
    text = o["event"] + (" [" + o["args"] + "]" if o["args"] else "")
    assert text == t[3].rstrip("\n"), (text, t[3])
    assert ":" in o["tracepoint"]
    n += 1
assert n == len(a), (n, len(a))
PY
xview -F json -f cpu,event rec | head -1 | python3 -c 'import json,sys; o=json.load(sys.stdin); assert sorted(o)==["cpu","event"], o' ||
	fail "json with --fields"
# JSON strings: quotes, backslashes and control bytes escaped, other bytes (UTF-8) as they are
expect_status 0 xrun -q -o esc -e sched sh -c \
	'printf "q\"uote back\\\\slash tab\there ctl\001x caf\303\251" > $XTRACE_MARKER'
xview -F json esc | python3 -c '
import json, sys
want = "q\"uote back\\slash tab\there ctl\x01x caf\u00e9"
got = [json.loads(l)["args"] for l in sys.stdin if "\"MARKER\"" in l]
assert got == [want], (got, want)' || fail "json escapes"
ok "json"
