/* SPDX-License-Identifier: GPL-2.0 */
/* xtrace-view: formatting events in the xtrace style (DESIGN.md §5). */
#ifndef _XTRACE_VIEW_NAMES_H
#define _XTRACE_VIEW_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include "xtrace.h"

struct namer;

/* What an event is, for the analyses and exports. */
enum view_kind {
	VK_OTHER,
	VK_KVM_ENTRY,
	VK_KVM_EXIT,
	VK_KVM_HC,
	VK_IRQ_ENTER,		/* hard and soft interrupts, APIC vectors */
	VK_IRQ_EXIT,
	VK_SYS_ENTER,
	VK_SYS_EXIT,
	VK_SWITCH,
	VK_MARKER,		/* MARKER, FLUSH, PAUSE, RESUME */
};

/** namer_new - per-recording decoding state for @rec (event kinds, field offsets) */
struct namer *namer_new(struct xtrace_rec *rec);
void namer_free(struct namer *n);

/**
 * namer_format - write "EVENT [key]" for @ev into @buf (NUL-terminated)
 * Returns the length written; the text is cut at @len - 1.
 */
size_t namer_format(struct namer *n, const struct xtrace_event *ev, char *buf, size_t len);

/**
 * namer_load_vms - read @dir/vms (which qemu process and thread is which VM and
 * vCPU); returns the number of VMs, or -1 if the file is missing
 */
int namer_load_vms(struct namer *n, const char *dir);

/** namer_vm - the VM whose thread @tid is (its vCPU in *@vcpu, -1 if unknown), or NULL */
const char *namer_vm(struct namer *n, int tid, int *vcpu);
int namer_nr_vms(const struct namer *n);
const char *namer_vm_name(const struct namer *n, int i, int *pid);

/**
 * namer_hc_exit - for a kvm_entry of a vCPU thread whose hypercall is pending:
 * write "KVM_HOST_HC_EXIT [nr vm/vcpu]" (the hypercall's return) and forget it;
 * else 0. Call it before namer_format() on every event.
 */
size_t namer_hc_exit(struct namer *n, const struct xtrace_event *ev, char *buf, size_t len);

enum view_kind namer_kind(struct namer *n, const struct xtrace_event *ev);

/** namer_tracepoint - "system:event" of @ev */
const char *namer_tracepoint(struct namer *n, const struct xtrace_event *ev);

/**
 * namer_set_event_filter - only events whose view name or tracepoint matches
 * one of the NULL-terminated glob @patterns are selected (NULL: every event)
 */
void namer_set_event_filter(struct namer *n, char *const *patterns);
bool namer_selected(struct namer *n, const struct xtrace_event *ev);
bool namer_hc_exit_selected(struct namer *n);

/**
 * namer_label_id - the view name of event type @id ("MARKER" for ftrace:print,
 * whose FLUSH/PAUSE/RESUME marks namer_marker_label() tells apart), NULL if the
 * recording has no such event; *@selected: whether --event selects it
 */
const char *namer_label_id(struct namer *n, int id, bool *selected);

/** namer_marker_label - "MARKER", or the recorder's own mark ("FLUSH") in @word */
const char *namer_marker_label(const char *text, size_t len, char *word, size_t wlen);
bool namer_match_name(char *const *patterns, const char *name);

/** namer_fields - every field as the kernel's format describes it ("comm-pid sys:event a=1 b=2") */
size_t namer_fields(struct namer *n, const struct xtrace_event *ev, char *buf, size_t len);

#endif
