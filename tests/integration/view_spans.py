# The slices and instants xtrace-view's exports (spans.c: -F perfetto, perfetto-proto,
# html) must make of a window, worked out from the plain view's JSON lines of that window:
# each slice is opened by one event, a task by a context switch (and, before a CPU's first
# switch, by its first event), an instant by any other event. For t-view-proto.sh and
# view-html-check.py.
from collections import Counter

# the events that open or close a slice, or are marks (the rest are instants)
PAIRED = {"KVM_EXIT_VM_PID", "KVM_ENTER_VM_PID", "INTERRUPT_ENTER", "INTERRUPT_EXIT",
          "SYSCALL_ENTER", "SYSCALL_EXIT", "CONTEXT_SWITCH", "MARKER", "FLUSH",
          "SOFTIRQ_ENTER", "SOFTIRQ_EXIT", "KVM_HOST_HC_ENTER", "KVM_HOST_HC_EXIT",
          "LOST_EVENTS"}


def span_counts(ev):
    """per kind of spans.c (span_kind_names), how many the window @ev makes"""
    n = Counter(e["event"] for e in ev)
    # before a CPU's first switch of the window, its task ran since the CPU's first event
    first, first_sw = {}, {}
    for e in ev:
        k = (e["host"], e["cpu"])
        first.setdefault(k, e["ns"])
        if e["event"] == "CONTEXT_SWITCH":
            first_sw.setdefault(k, e["ns"])
    return {
        "exit": n["KVM_EXIT_VM_PID"], "guest": n["KVM_ENTER_VM_PID"],
        "irq": n["INTERRUPT_ENTER"], "syscall": n["SYSCALL_ENTER"],
        "softirq": n["SOFTIRQ_ENTER"], "hypercall": n["KVM_HOST_HC_ENTER"],
        "lost": n["LOST_EVENTS"],
        "task": n["CONTEXT_SWITCH"] + sum(1 for k in first_sw if first[k] < first_sw[k]),
        "marker": n["MARKER"] + n["FLUSH"],
        "event": sum(c for e, c in n.items() if e not in PAIRED),
    }
