#!/bin/bash
# A real KVM recording (AMD SVM, tests/data/kvm-svm: kvm-tiny's 100 outs, 20 vmmcalls,
# one hlt): exit reasons named from the SVM table, hypercall returns synthesised at the
# next entry, and --kvm / --summary counts equal to what the program did.
XT_READ_ONLY=1	# reads a fixture only: runs as any user
. "$(dirname "$0")/lib.sh"
D=$XT_TOP/tests/data/kvm-svm
[ -f "$D/xtrace.meta" ] || skip "no real KVM recording in tests/data/kvm-svm"

xview "$D" > v.txt || fail "view"
[ "$(grep -c 'KVM_EXIT_VM_PID \[151 io\]' v.txt)" = 100 ] || fail "100 io exits"
[ "$(grep -c 'KVM_EXIT_VM_PID \[151 hypercall\]' v.txt)" = 20 ] || fail "20 hypercall exits"
[ "$(grep -c 'KVM_EXIT_VM_PID \[151 hlt\]' v.txt)" = 1 ] || fail "1 hlt exit"
[ "$(grep -c 'KVM_EXIT_VM_PID \[151 npf\]' v.txt)" = 1 ] || fail "1 npf exit"
[ "$(grep -c 'KVM_HOST_HC_ENTER \[42\]' v.txt)" = 20 ] || fail "20 hypercalls"
[ "$(grep -c 'KVM_HOST_HC_EXIT \[42\]' v.txt)" = 20 ] || fail "20 hypercall returns"
# each return sits right before the entry that is the hypercall's return
awk '/KVM_HOST_HC_EXIT/ {hc = NR; t = $1} /KVM_ENTER_VM_PID/ && hc == NR - 1 && $1 == t {n++}
     END {exit n == 20 ? 0 : 1}' v.txt || fail "HC_EXIT not at its vCPU's next entry"
ok "SVM names: io, hypercall, hlt, npf; 20 hypercalls and their returns"

xview -k -F json "$D" > k.json || fail "--kvm"
python3 - k.json <<'PY' || fail "--kvm counts"
import json, sys
s = json.load(open(sys.argv[1]))["systems"][0]
v = s["vcpus"][0]
r = {x["reason"]: x["count"] for x in v["reasons"]}
# the hlt ends the run: no entry follows it
assert r == {"io": 100, "hypercall": 20, "npf": 1}, r
assert s["unpaired_exits"] == 1, s["unpaired_exits"]    # the hlt
h = v["hypercalls"]
assert len(h) == 1 and h[0]["nr"] == 42 and h[0]["count"] == 20, h
assert v["vcpu"] == 0 and v["pid"] == 151
for x in v["reasons"] + h:
    assert x["min_ns"] <= x["p50_ns"] <= x["p99_ns"] <= x["max_ns"], x
PY
xview -s "$D" > s.txt
expect_grep "^system vm1: 1269 events" s.txt
expect_grep "^ +122 .* KVM_EXIT_VM_PID$" s.txt
expect_grep "^ +20 .* KVM_HOST_HC_ENTER$" s.txt
ok "--kvm and --summary on the real recording"
