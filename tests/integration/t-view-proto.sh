#!/bin/bash
# --format perfetto-proto: Perfetto's native protobuf trace of a window of a host and
# its guest, decoded back with protoc (Debian's protobuf-compiler) by a schema of the
# fields we write (the field numbers of Perfetto's trace_packet.proto and
# track_event/*.proto), and checked against the plain view of the same window: one
# process per system, every track described, begin/end balanced per track, and the
# slices and instants of each kind as many as the events that make them.
. "$(dirname "$0")/lib.sh"

command -v protoc >/dev/null || fail "protoc is not installed (make deps: protobuf-compiler)"
gen_host_vm1 200000 100000 3 3000
# a window with markers in it ("bench cycle 2" on the host)
W=(--around +1.6ms+-300us host vm1)
xview -F json "${W[@]}" > view.json || fail "json view"
xview -F perfetto-proto "${W[@]}" > trace.pb || fail "perfetto-proto export"
[ -s trace.pb ] || fail "empty trace"

cat > trace.proto <<'PROTO'
syntax = "proto2";
package perfetto.protos;
message ProcessDescriptor { optional int32 pid = 1; optional string process_name = 6; }
message DebugAnnotation { optional string name = 10; optional string string_value = 6; }
message TrackDescriptor {
  optional uint64 uuid = 1; optional string name = 2; optional ProcessDescriptor process = 3;
  optional uint64 parent_uuid = 5;
}
message TrackEvent {
  enum Type { TYPE_UNSPECIFIED = 0; TYPE_SLICE_BEGIN = 1; TYPE_SLICE_END = 2; TYPE_INSTANT = 3; }
  repeated DebugAnnotation debug_annotations = 4; optional Type type = 9;
  optional uint64 track_uuid = 11; repeated string categories = 22; optional string name = 23;
}
message TracePacket {
  optional uint64 timestamp = 8; optional uint32 trusted_packet_sequence_id = 10;
  optional TrackEvent track_event = 11; optional uint32 sequence_flags = 13;
  optional TrackDescriptor track_descriptor = 60;
}
message Trace { repeated TracePacket packet = 1; }
PROTO
protoc --decode=perfetto.protos.Trace trace.proto < trace.pb > trace.txt 2> protoc.err ||
	fail "protoc cannot decode the trace: $(head -3 protoc.err)"
# the raw decoder (no schema) must read it too: the encoding itself is sound
protoc --decode_raw < trace.pb > raw.txt 2> protoc.err || fail "protoc --decode_raw: $(head -3 protoc.err)"

# check.py counts what the window must make as the html test does (view_spans.py)
export PYTHONPATH=$XT_TOP/tests/integration
cat > check.py <<'PY'
import json, sys, collections
from view_spans import span_counts
# expected, from the plain view: each slice is opened by one event, a task by a switch
ev = [json.loads(l) for l in open(sys.argv[1])]
lo, hi = min(e["ns"] for e in ev), max(e["ns"] for e in ev)
want = span_counts(ev)
for k in sys.argv[3].split(","):
    assert want[k] > 0, (k, want)

# the trace: packets as flat dicts of the fields we read
packets, cur, depth = [], None, 0
for line in open(sys.argv[2]):
    s = line.strip()
    if s == "packet {" and depth == 0:
        cur = collections.defaultdict(list)
        packets.append(cur)
    if s.endswith("{"):
        depth += 1
        if depth == 2:
            cur["msg"] = s[:-2]
        continue
    if s == "}":
        depth -= 1
        continue
    key, _, val = s.partition(": ")
    cur[key].append(val.strip('"'))

procs, tracks = {}, {}
for p in packets:
    if p["msg"] == "track_descriptor":
        if p["process_name"]:
            procs[p["uuid"][0]] = p["process_name"][0]
        else:
            tracks[p["uuid"][0]] = (p["parent_uuid"][0], p["name"][0])
assert sorted(procs.values()) == sorted(set(e["host"] for e in ev)), procs
assert all(par in procs for par, _ in tracks.values()), "a track without its process"
got = collections.Counter()
open_ = collections.Counter()
per_track = collections.defaultdict(list)
for i, p in enumerate(packets):
    if p["msg"] != "track_event":
        continue
    assert p["trusted_packet_sequence_id"] == ["1"], p
    ts, t, u = int(p["timestamp"][0]), p["type"][0], p["track_uuid"][0]
    assert u in tracks, ("undescribed track", u)
    assert lo <= ts <= hi, ("time outside the window", ts, lo, hi)
    if t != "TYPE_SLICE_END":
        got[p["categories"][0]] += 1
        assert p["name"] and p["string_value"], p
    per_track[u].append((ts, i, t))
# per track, in time order (ties in file order): slices begin and end one at a time
for u, l in per_track.items():
    d = 0
    for ts, i, t in sorted(l):
        d += {"TYPE_SLICE_BEGIN": 1, "TYPE_SLICE_END": -1}.get(t, 0)
        assert 0 <= d <= 1, ("overlapping slices on", tracks[u], ts)
    assert d == 0, ("unterminated slice on", tracks[u])
for k, v in want.items():
    assert got[k] == v, (k, got[k], v, dict(got), want)
print(" ".join("%s=%d" % kv for kv in sorted(got.items())), "tracks=%d" % len(tracks))
PY
python3 check.py view.json trace.txt marker,exit,task > result.txt 2>&1 ||
	fail "perfetto-proto trace: $(tail -5 result.txt)"
grep -q '"bench cycle 2"\|MARKER \[bench cycle 2\]' trace.txt || fail "the marker's text is not in the trace"
ok "perfetto-proto: decoded by protoc: $(cat result.txt)"

# a real KVM recording (tests/data/kvm-svm: SVM exits, hypercalls, softirqs)
xview -F json "$XT_TOP/tests/data/kvm-svm" > svm.json || fail "json view of kvm-svm"
xview -F perfetto-proto "$XT_TOP/tests/data/kvm-svm" > svm.pb || fail "perfetto-proto of kvm-svm"
protoc --decode=perfetto.protos.Trace trace.proto < svm.pb > svm.txt 2> protoc.err ||
	fail "protoc cannot decode the kvm-svm trace: $(head -3 protoc.err)"
python3 check.py svm.json svm.txt exit,guest,hypercall,softirq,irq,task > result.txt 2>&1 ||
	fail "perfetto-proto trace of kvm-svm: $(tail -5 result.txt)"
ok "perfetto-proto of a real KVM recording: $(cat result.txt)"

# a real recording that lost events (a 4 KiB buffer under a burst of system calls): a
# lost span per LOST_EVENTS line of the view
expect_status 0 xrun -q -o lrec -b 4K -e syscalls "$HELPERS/syscall-burst" 60000 lost burst.txt 2> /dev/null
xview -q -F json lrec > lost.json || fail "json view of lrec"
grep -q '"LOST_EVENTS"' lost.json || fail "no events lost with a 4 KiB buffer: cannot check the lost spans"
xview -q -F perfetto-proto lrec > lost.pb || fail "perfetto-proto of lrec"
protoc --decode=perfetto.protos.Trace trace.proto < lost.pb > lost.txt 2> protoc.err ||
	fail "protoc cannot decode the lrec trace: $(head -3 protoc.err)"
python3 check.py lost.json lost.txt lost,syscall > result.txt 2>&1 ||
	fail "perfetto-proto trace of lrec: $(tail -5 result.txt)"
ok "perfetto-proto of a recording with losses: $(cat result.txt)"

# errors: a window with nothing in it still gives a valid (descriptor-only) trace
xview -F perfetto-proto --from +10s --to +11s host vm1 > empty.pb || fail "empty window"
protoc --decode_raw < empty.pb > /dev/null || fail "empty window: not a valid trace"
ok "perfetto-proto: an empty window is a valid trace"
