/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtrace-view's decoder: what each event is and how the view names it (DESIGN.md §5),
 * decoded once into a struct decode that the text and JSON lines, the Perfetto and HTML
 * exports and the analyses all read.
 */
#ifndef _XTRACE_VIEW_NAMES_H
#define _XTRACE_VIEW_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <event-parse.h>

struct namer;
struct xtrace_event;

/* What an event is, for the printers, exports and analyses. */
enum view_kind {
	VK_OTHER,
	VK_KVM_ENTRY,
	VK_KVM_EXIT,
	VK_KVM_HC,		/* kvm_hypercall: KVM_HOST_HC_ENTER */
	VK_KVM_HC_EXIT,		/* its return: the vCPU thread's next entry (namer_hc_exit) */
	VK_IRQ_ENTER,		/* hard and soft interrupts, APIC vectors */
	VK_IRQ_EXIT,
	VK_SYS_ENTER,
	VK_SYS_EXIT,
	VK_SWITCH,
	VK_MARKER,		/* MARKER, FLUSH, PAUSE, RESUME */
	VK_LOST,		/* LOST_EVENTS before an event (namer_lost) */
};

/* The longest text kept: "LABEL [args]" is cut at DECODE_TEXT - 1 bytes. */
#define DECODE_TEXT	8192

/**
 * struct decode - one event as the view sees it
 *
 * namer_facts() fills the first part from the record, at the offsets of its recorded
 * format; it changes nothing in the namer, so the analyses call it on several threads
 * at once. namer_text() adds the view's line for it: @text is "LABEL [args]" (or
 * "LABEL" alone: FLUSH, PAUSE), split into @label_len bytes of label and the brackets'
 * @args. A text cut at DECODE_TEXT - 1 bytes, or whose label holds a '[' (a recorder's
 * "xtrace:" mark), is all label, without args.
 */
struct decode {
	/* namer_facts() */
	enum view_kind kind;
	int type;			/* the event's type id (common_type) */
	int pid;			/* common_pid */
	int vcpu;			/* KVM events: the vcpu_id field, -1 if none (see @vm) */
	bool has_vcpu;			/* the event has a vcpu_id field */
	unsigned long long nr;		/* VK_KVM_HC, VK_KVM_HC_EXIT: the hypercall */
	unsigned long long exit_key;	/* VK_KVM_EXIT: isa << 32 | exit reason (low 32 bits) */
	const char *mark;		/* VK_MARKER: the text written, in the record */
	size_t mark_len;
	/* namer_text() */
	bool have_text;
	const char *tracepoint;		/* "system:event", or "unknown" */
	const char *vm;			/* KVM events: the vCPU thread's VM (vms file), NULL */
	const char *reason;		/* VK_KVM_EXIT: the exit reason's name */
	const char *key;		/* the first argument as written, @key_len bytes: an */
	size_t key_len;			/* interrupt's or syscall's name; "" if none */
	size_t len;			/* of @text */
	size_t label_len;
	const char *args;		/* in @text, @args_len bytes, "" if none */
	size_t args_len;
	bool brackets;			/* @text is "LABEL [args]", not "LABEL" alone */
	char text[DECODE_TEXT];
};

/**
 * namer_new - the decoder of one recording's events, by the formats in @tep
 * @syscall: the name of system call @nr on the recorded system, or NULL (may be NULL)
 */
struct namer *namer_new(struct tep_handle *tep, const char *(*syscall)(const void *ctx, long nr),
			const void *ctx);
void namer_free(struct namer *n);

/**
 * namer_facts - decode @ev's kind, pid and KVM numbers into @d (no text)
 * Reads the namer only: safe on several threads with one namer.
 */
void namer_facts(const struct namer *n, const struct xtrace_event *ev, struct decode *d);

/** namer_text - add the text, the label and args, the VM and the exit reason to @d */
void namer_text(struct namer *n, const struct xtrace_event *ev, struct decode *d);

/** namer_decode - namer_facts() and namer_text() */
void namer_decode(struct namer *n, const struct xtrace_event *ev, struct decode *d);

/**
 * struct hc_wait - hypercalls waiting for their return
 *
 * The kernel has no event for a hypercall's return: it is the next kvm_entry of the
 * vCPU thread that made it. One per recording and pass over it, zeroed to start.
 */
struct hc_wait {
	struct pending_hc *p;
	int nr, cap;
};

/**
 * hc_wait_event - follow @d (after namer_facts(), every event in order): a hypercall
 * waits; for the kvm_entry that returns from one, true with its number in *@nr
 */
bool hc_wait_event(struct hc_wait *w, const struct decode *d, unsigned long long *nr);
void hc_wait_free(struct hc_wait *w);

/** namer_hc_exit - @d: KVM_HOST_HC_EXIT [nr vm/vcpu], the return of hypercall @nr at @entry */
void namer_hc_exit(struct namer *n, const struct decode *entry, unsigned long long nr,
		   struct decode *d);

/** namer_lost - @d: LOST_EVENTS [n] (or [unknown]), the events lost just before @ev */
void namer_lost(struct namer *n, const struct xtrace_event *ev, struct decode *d);

/**
 * namer_load_vms - read @dir/vms (which qemu process and thread is which VM and
 * vCPU); returns the number of VMs, or -1 if the file is missing
 */
int namer_load_vms(struct namer *n, const char *dir);

/** namer_vm - the VM whose thread @tid is (its vCPU in *@vcpu, -1 if unknown), or NULL */
const char *namer_vm(struct namer *n, int tid, int *vcpu);
int namer_nr_vms(const struct namer *n);
const char *namer_vm_name(const struct namer *n, int i, int *pid);

/** namer_has_kind - whether the recording has an event type of kind @k */
bool namer_has_kind(const struct namer *n, enum view_kind k);

/**
 * namer_set_event_filter - only events whose view name or tracepoint matches
 * one of the NULL-terminated glob @patterns are selected (NULL: every event)
 */
void namer_set_event_filter(struct namer *n, char *const *patterns);

/**
 * namer_selected - whether --event selects @d (after namer_facts(); a marker,
 * whose name is in its text, gets its text here)
 */
bool namer_selected(struct namer *n, const struct xtrace_event *ev, struct decode *d);

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
