/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * libxtrace: record kernel events with time-of-day timestamps, store them in
 * a self-describing data directory, and read them back in time order.
 *
 * Conventions (the contract every function below keeps):
 *  - functions returning int give 0 (or a count) on success and -errno on
 *    failure; -EBADMSG means corrupt input, -ENOTSUP an unknown format version;
 *  - constructors return NULL and set errno;
 *  - the library never prints and never exits; detailed messages go through
 *    the hook installed with xtrace_set_log(), which is silent by default.
 *
 * The on-disk format is described in docs/data-directory.md.
 */
#ifndef _XTRACE_H
#define _XTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define XTRACE_VERSION		"0.1.0"
#define XTRACE_FORMAT_MAJOR	1
#define XTRACE_FORMAT_MINOR	0

/*
 * The recorder's own marks in the trace (trace_marker text): XTRACE_MARK "FLUSH #n",
 * XTRACE_MARK "PAUSE", XTRACE_MARK "RESUME"; the view names them FLUSH [#n], PAUSE, RESUME.
 */
#define XTRACE_MARK		"xtrace:"

struct tep_handle;
struct tep_record;
struct tep_format_field;
struct tep_event;

/* ---------------------------------------------------------------- logging */

enum xtrace_log_level {
	XTRACE_LOG_ERROR,
	XTRACE_LOG_WARNING,
	XTRACE_LOG_INFO,
	XTRACE_LOG_DEBUG,
};

typedef void (*xtrace_log_fn)(enum xtrace_log_level level, const char *msg, void *ctx);

/**
 * xtrace_set_log - route the library's messages to @fn
 * @fn: called with each message (no trailing newline); NULL silences the library
 * @ctx: passed back to @fn
 */
void xtrace_set_log(xtrace_log_fn fn, void *ctx);

/* ---------------------------------------------------------------- ID-sets */

/*
 * A set of small non-negative integers (CPU or NUMA node numbers), the one ID-set type and
 * grammar of every program: "0,2,4-7", blanks allowed around numbers and commas.
 */
#define XTRACE_MAX_ID		65535	/* largest CPU or node number in an ID-set */

struct xtrace_idset {
	uint64_t *w;
	unsigned int nw;	/* words allocated */
};

/** xtrace_idset_new - an empty set; NULL with errno ENOMEM */
struct xtrace_idset *xtrace_idset_new(void);
void xtrace_idset_free(struct xtrace_idset *s);
/** xtrace_idset_dup - a copy of @s (NULL @s gives an empty set) */
struct xtrace_idset *xtrace_idset_dup(const struct xtrace_idset *s);

/**
 * xtrace_idset_parse - parse a human-readable ID-set such as "0,2,4-7,12-15"
 * @str: the text; empty (or only blanks) means the empty set; blanks around
 *	 numbers and commas are allowed
 * @set: cleared, then filled
 * @bad: if not NULL, on -EINVAL points to the offending character of @str
 *
 * Returns 0, -EINVAL for a malformed set (a reversed range, an empty item,
 * a sign, a stray character) or -ERANGE for an ID above XTRACE_MAX_ID.
 */
int xtrace_idset_parse(struct xtrace_idset *set, const char *str, const char **bad);

/** xtrace_idset_format - the set as "0,2,4-7" (malloc'd; "" when empty) */
char *xtrace_idset_format(const struct xtrace_idset *s);

int xtrace_idset_add(struct xtrace_idset *s, unsigned int id);
void xtrace_idset_del(struct xtrace_idset *s, unsigned int id);
bool xtrace_idset_has(const struct xtrace_idset *s, unsigned int id);
void xtrace_idset_clear(struct xtrace_idset *s);
unsigned int xtrace_idset_count(const struct xtrace_idset *s);
bool xtrace_idset_empty(const struct xtrace_idset *s);
/** xtrace_idset_next - the smallest ID >= @from in @s, or -1 */
int xtrace_idset_next(const struct xtrace_idset *s, int from);
/** xtrace_idset_nth - the @n-th smallest ID of @s (from 0), or -1 */
int xtrace_idset_nth(const struct xtrace_idset *s, unsigned int n);
/** xtrace_idset_or - add every ID of @b to @a */
int xtrace_idset_or(struct xtrace_idset *a, const struct xtrace_idset *b);
/** xtrace_idset_and - keep in @a only the IDs also in @b */
void xtrace_idset_and(struct xtrace_idset *a, const struct xtrace_idset *b);
/** xtrace_idset_andnot - remove from @a the IDs of @b */
void xtrace_idset_andnot(struct xtrace_idset *a, const struct xtrace_idset *b);
bool xtrace_idset_equal(const struct xtrace_idset *a, const struct xtrace_idset *b);
bool xtrace_idset_subset(const struct xtrace_idset *a, const struct xtrace_idset *of);
bool xtrace_idset_intersects(const struct xtrace_idset *a, const struct xtrace_idset *b);

#define xtrace_idset_for_each(id, s) \
	for (int id = xtrace_idset_next((s), 0); id >= 0; id = xtrace_idset_next((s), id + 1))

/* --------------------------------------------------------------- CPU sets */

#define XTRACE_MAX_CPUS 1024

struct xtrace_cpuset {
	uint64_t bits[XTRACE_MAX_CPUS / 64];
};

/**
 * xtrace_cpuset_parse - parse an ID-set such as "0,2,4-7" (xtrace_idset_parse()'s grammar:
 * blanks allowed) into a CPU bitmap
 * @str: the text; empty means the empty set
 * @set: filled on success
 *
 * Returns 0, or -EINVAL for malformed text, reversed ranges or IDs at or above
 * XTRACE_MAX_CPUS, -ENOMEM.
 */
int xtrace_cpuset_parse(const char *str, struct xtrace_cpuset *set);

/**
 * xtrace_cpuset_format - write @set as a compact ID-set ("0-3,6")
 * Returns the length written (excluding the NUL), or -ENOSPC if @len is too small.
 */
int xtrace_cpuset_format(const struct xtrace_cpuset *set, char *buf, size_t len);

static inline bool xtrace_cpuset_has(const struct xtrace_cpuset *set, int cpu)
{
	return cpu >= 0 && cpu < XTRACE_MAX_CPUS && (set->bits[cpu / 64] >> (cpu % 64)) & 1;
}

static inline void xtrace_cpuset_add(struct xtrace_cpuset *set, int cpu)
{
	if (cpu >= 0 && cpu < XTRACE_MAX_CPUS)
		set->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

/**
 * xtrace_parse_size - parse a size such as "4096", "4M" or "1G"
 * @str: digits with an optional K, M or G suffix (powers of 1024)
 * @unit: the multiplier of a number without suffix (1 for bytes, 1024 for KiB)
 * @val: filled with the size in bytes
 *
 * Returns 0, or -EINVAL for text that is not a size, -ERANGE on overflow.
 */
int xtrace_parse_size(const char *str, uint64_t unit, uint64_t *val);

/**
 * xtrace_parse_duration - a duration as every program takes it: an optional sign, a decimal
 * number (up to 9 digits after the point) and a unit: ns, us, ms or s; a number without a unit
 * is seconds ("1.5" = "1500ms")
 * @ns: filled on success
 *
 * Returns 0, -EINVAL for text that is not a duration, -ERANGE past about 292 years.
 */
int xtrace_parse_duration(const char *str, int64_t *ns);

/**
 * xtrace_format_ns - a duration for people: "250 ns", "12.5 us", "2.0 ms", "1.5 s"
 * Returns what snprintf() returns.
 */
int xtrace_format_ns(char *buf, size_t len, int64_t ns);

/**
 * xtrace_format_utc - a time of day (UTC ns since the epoch) as "2026-11-22T14:02:15.866361124"
 * (no zone letter; times before 1970 too). Returns what snprintf() returns.
 */
int xtrace_format_utc(char *buf, size_t len, int64_t ns);

/* ------------------------------------------------------------------ time */

/* A clock-offset sample: the trace clock read between two CLOCK_REALTIME reads. */
struct xtrace_clock_sample {
	uint64_t trace;		/* trace-clock value */
	int64_t tod;		/* UTC ns: midpoint of the two realtime reads */
	uint32_t err;		/* ns: half the realtime bracket */
	uint32_t flags;		/* XTRACE_SAMPLE_* */
};

#define XTRACE_SAMPLE_STEP	0x1	/* the realtime clock was set just before this sample */

/*
 * A set of samples and how to use them. @ns_units says the trace clock counts
 * nanoseconds (boot, mono): then between samples the offset is interpolated and
 * outside them held constant. Otherwise (TSC) time is interpolated between
 * samples and extrapolated at the rate of the nearest pair.
 */
struct xtrace_clock {
	struct xtrace_clock_sample *samples;
	size_t nr_samples;
	bool ns_units;
	int64_t step_threshold;	/* ns per s of trace time; 0 = default */
};

/**
 * xtrace_clock_to_tod - convert a trace-clock timestamp to UTC nanoseconds
 * @clk: the samples, sorted by trace value
 * @ts: the timestamp
 * @hint: in/out index of the last interval used (start at 0); makes the
 *        sequential conversions of a reader O(1)
 *
 * A pure function of its inputs. Between two samples whose offsets differ by
 * more than a slew could explain (a clock step), the earlier offset is used up
 * to the later sample rather than smearing the step over the interval.
 * With no samples it returns @ts unchanged.
 */
int64_t xtrace_clock_to_tod(const struct xtrace_clock *clk, uint64_t ts, size_t *hint);

/**
 * xtrace_clock_is_step - whether the offset changes between @a and @b by more than
 * slewing could explain (ns-unit clocks only)
 */
bool xtrace_clock_is_step(const struct xtrace_clock *clk, const struct xtrace_clock_sample *a,
			  const struct xtrace_clock_sample *b);

/**
 * xtrace_clock_sample_now - take one sample of @clockid against CLOCK_REALTIME
 * @clockid: CLOCK_BOOTTIME or CLOCK_MONOTONIC, or -1 for the x86 TSC
 * @s: filled with the best of a few tries (the smallest realtime bracket)
 */
int xtrace_clock_sample_now(int clockid, struct xtrace_clock_sample *s);

/* ------------------------------------------------------ clock mapping */

/*
 * A two-way clock exchange between a reference clock (the collector's
 * CLOCK_REALTIME) and a system's trace clock: the reference read @sent, then
 * the system read its trace clock (@remote), then the reference read @received.
 */
struct xtrace_clock_pair {
	int64_t sent;			/* reference ns */
	uint64_t remote;		/* the system's trace clock, ns */
	int64_t received;		/* reference ns */
};

/*
 * A system's trace clock t mapped onto the reference:
 * ref(t) = t + base + offset + drift_ppm * 1e-6 * (t - t0).
 */
struct xtrace_clock_fit {
	uint64_t t0;			/* trace ns: the middle of the span fitted */
	int64_t base;			/* ns: a whole part of the offset */
	double offset;			/* ns: the rest of it, at t0 */
	double drift_ppm;		/* the trace clock's rate error against the reference */
	int64_t bound;			/* ns: to any line the exchanges allow, over the span */
	int64_t slack;			/* ns: 0, or how far the line misses some exchange */
	int nr_pairs;
};

/**
 * xtrace_clock_fit - fit offset and drift to @n exchanges (the convex-hull
 * method: the lines consistent with every exchange, the middle one over the
 * trace-clock span [@start, @end], half the set's width there as the bound;
 * drift is assumed within +-500 ppm). When no line fits every exchange (a
 * clock slewed while measured), the line that misses them least, its miss
 * (@f->slack) added to the bound. Returns 0, -EINVAL (no exchange, or one
 * received before it was sent), -EDOM (no line within 1000 s), -ENOMEM.
 */
int xtrace_clock_fit(const struct xtrace_clock_pair *p, size_t n, uint64_t start, uint64_t end,
		     struct xtrace_clock_fit *f);

/** xtrace_clock_fit_map - the reference time of trace time @trace */
int64_t xtrace_clock_fit_map(const struct xtrace_clock_fit *f, uint64_t trace);

/**
 * xtrace_clocksync_write - keep @n exchanges with a recording (file "clocksync")
 * @peer: the reference system's host name
 */
int xtrace_clocksync_write(const char *dir, const char *peer, const struct xtrace_clock_pair *p,
			   size_t n);

/**
 * xtrace_clocksync_read - the exchanges kept with the recording @dir: *@pairs
 * (free it) and *@n, 0 of them if there is no file; *@peer (may be NULL; free
 * it) the reference's name. Returns 0, -EBADMSG (a damaged line) or -errno.
 */
int xtrace_clocksync_read(const char *dir, struct xtrace_clock_pair **pairs, size_t *n,
			  char **peer);

/* -------------------------------------------------------------- metadata */

struct xtrace_cpu_meta {
	bool recorded;		/* this CPU was traced */
	uint64_t events;	/* events read from the kernel */
	uint64_t overrun;	/* overwritten before they could be read */
	uint64_t dropped;	/* dropped because the buffer was full */
	uint64_t pages;		/* sub-buffers written */
	uint64_t bytes_raw;	/* their size */
	uint64_t bytes_disk;	/* compressed size on disk, headers included */
};

/* A flush: when, which CPUs, how many sub-buffers it saved. */
struct xtrace_flush {
	int64_t tod;
	uint64_t pages;
	char *cpus;
};

/*
 * The metadata of one recording (file "xtrace.meta" of a data directory).
 * Strings are owned by the struct; xtrace_meta_free() releases them.
 */
struct xtrace_meta {
	int major, minor;		/* format version */
	char *tool;			/* "xtrace-run 0.1.0" */
	char *hostname;
	char *kernel;			/* uname -r */
	char *arch;			/* uname -m */
	int nr_cpus;			/* CPUs of the system (the per-CPU arrays' size) */
	int long_size;			/* the kernel's sizeof(long) */
	int page_size;			/* ring-buffer sub-buffer size */
	bool big_endian;
	char *timestamp;		/* "tod" or "tsc" */
	char *trace_clock;		/* "boot", "mono", "x86-tsc" */
	char *mode;			/* "stream" or "overwrite" */
	uint64_t buffer_kb;		/* per-CPU ring buffer */
	char *cpus;			/* ID-set of the recorded CPUs */
	char *events;			/* comma-separated system:event list */
	char *command;			/* the traced command, shell-quoted */
	int exit_status;		/* the command's, -1 while running or unknown */
	int64_t start_tod, end_tod;	/* UTC ns; end 0 while recording */
	bool complete;			/* false until the recorder stopped cleanly */
	char *error;			/* why the recording is incomplete, if known */
	pid_t recorder_pid;
	char *instance;			/* the tracefs instance used */
	char *chrony_start;		/* chronyc tracking at start ("unavailable" if none) */
	char *chrony_end;
	int64_t chrony_error_ns;	/* chrony's own error bound, -1 if unknown */
	struct xtrace_cpu_meta *cpu;	/* nr_cpus entries */
	struct xtrace_flush *flushes;	/* flush points, in order */
	int nr_flushes;
};

/**
 * xtrace_meta_write - write @m into @dir atomically (temporary file + rename)
 */
int xtrace_meta_write(const char *dir, const struct xtrace_meta *m);

/**
 * xtrace_meta_read - read the metadata of @dir into @m
 *
 * Returns 0; -ENOENT if @dir has no metadata; -EBADMSG if it is malformed;
 * -ENOTSUP if its major version is newer than XTRACE_FORMAT_MAJOR (the
 * version found is still stored in @m->major/minor for the message).
 */
int xtrace_meta_read(const char *dir, struct xtrace_meta *m);

/**
 * xtrace_meta_lost - events lost while recording: dropped by full buffers and,
 * in stream mode, overwritten before they were read. A flight recorder's
 * overwritten history is its design, not a loss (its cpu[].overrun says how much).
 */
uint64_t xtrace_meta_lost(const struct xtrace_meta *m);

/** xtrace_meta_free - release the strings and arrays of @m (not @m itself) */
void xtrace_meta_free(struct xtrace_meta *m);

/* ----------------------------------------------------- reading recordings */

struct xtrace_rec;

/**
 * xtrace_rec_open - open the recording in @dir for reading
 *
 * Loads the metadata, the kernel's formats, clock samples, symbols and task
 * maps. Returns NULL with errno ENOENT (no such directory or no metadata),
 * ENOTDIR, EBADMSG (malformed) or ENOTSUP (newer major format version).
 */
struct xtrace_rec *xtrace_rec_open(const char *dir);
void xtrace_rec_close(struct xtrace_rec *rec);

/**
 * xtrace_rec_load_symbols - load the recorded kernel symbols and printk formats
 * (function names for addresses); costs tens of milliseconds, so only callers
 * that print symbols ask for it
 */
int xtrace_rec_load_symbols(struct xtrace_rec *rec);

const struct xtrace_meta *xtrace_rec_meta(const struct xtrace_rec *rec);
const struct xtrace_clock *xtrace_rec_clock(const struct xtrace_rec *rec);
struct tep_handle *xtrace_rec_tep(struct xtrace_rec *rec);
const char *xtrace_rec_dir(const struct xtrace_rec *rec);

/** xtrace_now_ns - the time of clock @id (CLOCK_MONOTONIC, CLOCK_REALTIME, ...) in ns */
static inline int64_t xtrace_now_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/**
 * xtrace_time_add, xtrace_time_sub - @a + @b and @a - @b on times read from a recording
 *
 * A recording's times (event times, offsets, clock samples) may be anything: these saturate at
 * the ends of int64_t where plain arithmetic would be undefined.
 */
static inline int64_t xtrace_time_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static inline int64_t xtrace_time_sub(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/**
 * xtrace_field_data - the bytes of a field in an event's record, if the record holds them all
 * @field: a field of the record's event (tep_find_field(), tep_find_any_field())
 * @record: the record (struct xtrace_event's record): its data and size
 * @len: set to the field's length in bytes, for a dynamic array (__data_loc, __rel_loc) the
 *	 length its location word gives; may be NULL
 *
 * A recording is untrusted input: a record may be shorter than its event's format says, and a
 * dynamic array's location word may point anywhere. Call this before reading a field of a
 * record yourself (tep_read_number_field() and friends check nothing). What
 * xtrace_rec_open() guarantees without it: every field of a loaded event ends within the
 * recording's page_size, and the library keeps page_size + 128 KiB of readable zeros after
 * every record's sub-buffer, so libtraceevent's own reads (tep_data_type(),
 * tep_print_event()) stay in memory the library owns, whatever the record.
 *
 * Returns a pointer into @record->data (borrowed: valid while the record is) to the field's
 * bytes (for a dynamic array, to the array), or NULL if they do not lie whole within the
 * record's @record->size bytes.
 */
const void *xtrace_field_data(const struct tep_format_field *field,
			      const struct tep_record *record, unsigned int *len);

/**
 * xtrace_event_printable - whether tep_print_event() may print @record of @event
 *
 * libtraceevent prints __print_hex(), __print_hex_str() and __print_array() with the length
 * the record gives, and reads that many bytes whatever the record holds. Returns false when
 * such a length (a field, a constant, or arithmetic on them) is not known to lie within the
 * array it prints: print the event's raw fields (tep_print_fields()) instead.
 */
bool xtrace_event_printable(const struct tep_event *event, const struct tep_record *record);

/** xtrace_rec_name - the system's name: a merged source's name, else its host name */
const char *xtrace_rec_name(const struct xtrace_rec *rec);

/** xtrace_rec_offset - ns added to this recording's times (merge corrections), 0 if none */
int64_t xtrace_rec_offset(const struct xtrace_rec *rec);

/** xtrace_rec_syscall_name - name of syscall @nr on the recorded system, or NULL */
const char *xtrace_rec_syscall_name(const struct xtrace_rec *rec, long nr);

/** xtrace_rec_comm - command name of task @pid as recorded, or NULL */
const char *xtrace_rec_comm(const struct xtrace_rec *rec, int pid);

/* ------------------------------------------------------------ the vms file */

/* A recording's VMs (its "vms" file, saved on a KVM host): which qemu is which VM. */
struct xtrace_vm {
	int pid;		/* the qemu process */
	char name[64];
};

struct xtrace_vm_thread {
	int tid, pid;		/* a thread of VM process @pid */
	int vcpu;		/* the vCPU it runs, -1 if none */
};

struct xtrace_vms {
	struct xtrace_vm *vms;
	int nr_vms;
	struct xtrace_vm_thread *threads;	/* sorted by tid, one each */
	int nr_threads;
};

/**
 * xtrace_vms_read - read the vms file of the recording @dir into @v (later lines win)
 *
 * Returns 0, -ENOENT if the recording has none (recorded where no VM ran, or before format
 * 1.1), or -errno. Free @v with xtrace_vms_free() (also after an error).
 */
int xtrace_vms_read(const char *dir, struct xtrace_vms *v);

/** xtrace_vms_thread - the VM thread @tid, or NULL */
const struct xtrace_vm_thread *xtrace_vms_thread(const struct xtrace_vms *v, int tid);

/** xtrace_vms_name - the name of the VM whose qemu is @pid, or NULL */
const char *xtrace_vms_name(const struct xtrace_vms *v, int pid);

void xtrace_vms_free(struct xtrace_vms *v);

/* One event handed out by an iterator; valid until the next call. */
struct xtrace_event {
	int64_t tod;			/* UTC ns (tsc recordings: converted from samples) */
	uint64_t ts;			/* raw trace-clock value */
	int source;			/* index of the recording in the iterator */
	int cpu;
	unsigned int missed;		/* events lost just before this one on this CPU */
	bool missed_unknown;		/* some were lost, number not known */
	struct tep_record *record;	/* for libtraceevent (data, size, cpu, ts) */
	struct xtrace_rec *rec;
};

struct xtrace_iter;

/**
 * xtrace_iter_new - iterate the events of @nr recordings in time order
 * @recs: the recordings (not owned)
 * @cpus: only these CPUs, or NULL for all
 *
 * Events come out ordered by (UTC time, recording index, CPU) so the same
 * input always gives the same order. Memory is bounded by the number of CPU
 * streams, not by the size of the recordings.
 */
struct xtrace_iter *xtrace_iter_new(struct xtrace_rec **recs, int nr,
				    const struct xtrace_cpuset *cpus);

/**
 * xtrace_iter_next - the next event
 * Returns 1 with *@ev set, 0 at the end. Damaged data (truncated or corrupt
 * frames) does not stop the iteration: it is skipped, logged as a warning and
 * counted (xtrace_iter_damage()).
 */
int xtrace_iter_next(struct xtrace_iter *it, struct xtrace_event **ev);

/**
 * xtrace_iter_seek - skip to the first events at or after UTC time @tod
 *
 * Whole compressed frames that end before @tod are skipped by their headers,
 * without reading them. Call it before the first xtrace_iter_next(), on an
 * iterator of xtrace_iter_new() (-ENOTSUP for a merged directory's replay).
 */
int xtrace_iter_seek(struct xtrace_iter *it, int64_t tod);

/** xtrace_iter_damage - how many damaged places the iteration met so far */
unsigned int xtrace_iter_damage(const struct xtrace_iter *it);

void xtrace_iter_free(struct xtrace_iter *it);

/* ------------------------------------------------------ merged directories */

/* One system of a merged directory (file "xtrace.meta", kind = merged). */
struct xtrace_merge_source {
	char *name;			/* unique in the merge; its data is in sources/NAME */
	char *hostname;
	char *input;			/* the directory it was merged from */
	int64_t offset;			/* ns added to its times (--offset and earlier merges) */
	uint64_t events;		/* events merged */
	uint64_t lost;			/* lost while recording (overrun + dropped) */
	int64_t first, last;		/* UTC ns of its first and last event (offset applied) */
	int64_t clock_error;		/* ns: chrony's bound when recorded, -1 unknown */
	uint32_t sample_error;		/* ns: worst clock-sample bracket */
	int steps;			/* clock steps seen while recording */
	unsigned int damage;		/* damaged places skipped in its data */
	/* how its clock was mapped onto the reference's (docs/clocks.md) */
	char *clock_basis;		/* "exchanges", "ssh checks", "own clock", "raw", ... */
	int64_t clock_offset;		/* ns added to its own clock, at the middle of its span */
	int64_t drift_ppb;		/* its own clock's rate error against the reference */
	int64_t clock_bound;		/* ns: how far its mapped times may be off, -1 unknown */
	int exchanges;			/* measurements the mapping rests on */
};

struct xtrace_merge_meta {
	int major, minor;
	char *tool;
	bool complete;
	char *error;
	uint64_t events;
	int64_t typical_gap;		/* ns: median gap where consecutive events change system */
	uint64_t uncertain;		/* neighbours of two systems within their clocks' bounds */
	int nr_sources;
	struct xtrace_merge_source *sources;
	int nr_warnings;
	char **warnings;
};

/** xtrace_dir_is_merged - 1 if @dir is a merged directory, 0 if not, -errno if unreadable */
int xtrace_dir_is_merged(const char *dir);

/** xtrace_merge_meta_read - read a merged directory's metadata (-ENOTSUP: newer major) */
int xtrace_merge_meta_read(const char *dir, struct xtrace_merge_meta *m);
int xtrace_merge_meta_write(const char *dir, const struct xtrace_merge_meta *m);
void xtrace_merge_meta_free(struct xtrace_merge_meta *m);

/* Recordings and merged directories read together (what xtrace-view takes). */
struct xtrace_set {
	struct xtrace_rec **recs;	/* every system: merged directories are expanded */
	int nr;
	char *order;			/* one merged directory given: its order, replayed */
};

/**
 * xtrace_set_open - open @nr directories, each a recording or a merged directory
 * Returns 0, or -errno with the failing directory's index in *@bad.
 */
int xtrace_set_open(char *const *dirs, int nr, struct xtrace_set *set, int *bad);
void xtrace_set_close(struct xtrace_set *set);

/**
 * xtrace_set_iter - iterate the set in time order: one merged directory follows
 * its recorded order exactly; anything else is merged on the fly by the heap
 */
struct xtrace_iter *xtrace_set_iter(struct xtrace_set *set, const struct xtrace_cpuset *cpus);

struct xtrace_merge_opts {
	const char *out;		/* must not exist, or be empty */
	char *const *inputs;		/* recordings or merged directories */
	char *const *names;		/* per input: NULL for its host name */
	int nr_inputs;
	const char *const *offset_names;	/* --offset NAME=NS */
	const int64_t *offsets;
	int nr_offsets;
	/* called about every million events and at the end; total may grow */
	void (*progress)(uint64_t done, uint64_t total, void *ctx);
	void *ctx;
	bool raw_clocks;		/* keep each system's wall clock as recorded */
	bool step_before;		/* both sides of a clock step on the clock before it */
};

/**
 * xtrace_merge - merge recordings into one multi-system directory
 *
 * Refuses TSC recordings and two systems of one name (-EINVAL, logged with the
 * reason). Never writes into an input. On a write failure (a full disk) the
 * output's metadata is marked incomplete when possible. @meta (may be NULL)
 * receives the merged metadata, its report and warnings.
 */
int xtrace_merge(const struct xtrace_merge_opts *opts, struct xtrace_merge_meta *meta);

/* ---------------------------------------------------------- event groups */

/**
 * xtrace_events_resolve - turn a selection into concrete system:event names
 * @spec: comma-separated groups (sched, irq, timer, syscalls, file, kvm, ...),
 *        systems ("kvmmmu"), or system:event globs ("kvm:*", "sched:sched_sw*");
 *        NULL or "default" for the default set
 * @tracing_dir: the tracefs mount to resolve against
 * @out: a NULL-terminated array of "system:event" strings (free with
 *       xtrace_strv_free())
 * @bad: on -ENOENT, the first item that matched nothing (free it)
 */
int xtrace_events_resolve(const char *spec, const char *tracing_dir, char ***out, char **bad);

/**
 * xtrace_events_group - the @i-th event group's name and description (for --help)
 * Returns 0, or -ENOENT past the last group.
 */
int xtrace_events_group(int i, const char **name, const char **desc);

void xtrace_strv_free(char **strv);

/* -------------------------------------------------------------- recorder */

enum xtrace_ts_type { XTRACE_TS_TOD, XTRACE_TS_TSC };
enum xtrace_mode { XTRACE_MODE_STREAM, XTRACE_MODE_OVERWRITE };

struct xtrace_recorder_opts {
	const char *dir;		/* output directory: must not exist or be empty */
	const char *events;		/* selection (xtrace_events_resolve()), NULL = default */
	const char *cpus;		/* ID-set, NULL = all online CPUs */
	enum xtrace_ts_type ts_type;
	enum xtrace_mode mode;
	uint64_t buffer_kb;		/* per CPU, 0 = default (4096) */
	int compression_level;		/* zstd level, 0 = default (1) */
	const char *command;		/* for the metadata */
	int nice;			/* recorder threads' nice value (default -20 when root) */
};

struct xtrace_recorder;

/**
 * xtrace_recorder_new - prepare a recording: check and create the output
 * directory, create a private tracefs instance, select clock, buffers and events,
 * and save what decoding needs (formats, symbols, tasks, syscall names)
 *
 * Tracing is not on yet. Instances left behind by recorders that died are
 * removed first. Forks one child process, the instance's guardian ("xtrace-guard"):
 * if this process dies or execs without xtrace_recorder_free(), it turns the
 * instance's tracing off and removes it. It is reaped by xtrace_recorder_free();
 * a caller that reaps any child (waitpid(-1, ...)) may see it only if someone
 * killed it. Returns NULL with errno set; the reason is also logged.
 */
struct xtrace_recorder *xtrace_recorder_new(const struct xtrace_recorder_opts *opts);

/** xtrace_recorder_start - start the reader threads and turn tracing on */
int xtrace_recorder_start(struct xtrace_recorder *r);

/**
 * xtrace_recorder_tick - periodic work: a clock sample when due (or now if
 * @clock_set says the realtime clock was set); call it at least every second
 */
int xtrace_recorder_tick(struct xtrace_recorder *r, bool clock_set);

/**
 * xtrace_recorder_stop - turn tracing off, save what the buffers still hold,
 * take the last clock sample and write the final metadata
 * @exit_status: the traced command's status, or -1
 */
int xtrace_recorder_stop(struct xtrace_recorder *r, int exit_status);

/**
 * xtrace_recorder_set_exit_status - record the command's status after
 * xtrace_recorder_stop() (when the recording stopped before the command ended)
 */
int xtrace_recorder_set_exit_status(struct xtrace_recorder *r, int exit_status);

/**
 * xtrace_recorder_free - remove the tracefs instance, reap its guardian and free @r
 *
 * A directory that xtrace_recorder_new() created and that never recorded (tracing was never
 * turned on: the start failed, or was never called) is removed too.
 */
void xtrace_recorder_free(struct xtrace_recorder *r);

/**
 * xtrace_recorder_flush - save what the buffers of @cpus hold now
 * @cpus: NULL for every recorded CPU
 *
 * Writes a FLUSH marker into each CPU's trace first (so the view shows where
 * the flush happened), then moves the buffers to disk and syncs them. What one
 * flush saved is consumed: a second flush saves only what came after.
 * Returns the number of sub-buffers saved, or -errno.
 */
int xtrace_recorder_flush(struct xtrace_recorder *r, const struct xtrace_cpuset *cpus);

/**
 * xtrace_recorder_pause - stop recording on @cpus (NULL: all) until resumed;
 * a PAUSE marker is written on each first
 */
int xtrace_recorder_pause(struct xtrace_recorder *r, const struct xtrace_cpuset *cpus);

/** xtrace_recorder_resume - record again on @cpus (NULL: all); RESUME marker after */
int xtrace_recorder_resume(struct xtrace_recorder *r, const struct xtrace_cpuset *cpus);

struct xtrace_recorder_status {
	const char *dir;
	const char *mode;
	const char *cpus;		/* ID-set recorded */
	char paused[256];		/* ID-set paused, "" if none */
	uint64_t saved;			/* events read from the kernel so far */
	uint64_t in_buffer;		/* events in the buffers now */
	uint64_t overrun;		/* overwritten: the flight recorder's older history */
	uint64_t dropped;
	int flushes;
};

/** xtrace_recorder_status - what @r has done so far (reads the kernel's counters) */
int xtrace_recorder_status(struct xtrace_recorder *r, struct xtrace_recorder_status *st);

/* The longest label xtrace_recorder_mark() takes. */
#define XTRACE_MARK_MAX		1000

/**
 * xtrace_recorder_mark - write XTRACE_MARK @label into the trace, on the caller's CPU
 * @label: printable text (no control characters), 1 to XTRACE_MARK_MAX bytes; its first word
 *	   is the event's name in the view ("KVMRT_GS_PING_HOST vm1 42" shows as
 *	   KVMRT_GS_PING_HOST [vm1 42])
 *
 * Returns 0, -EINVAL for a label it refuses, -ESRCH once stopped, or -errno of the write.
 */
int xtrace_recorder_mark(struct xtrace_recorder *r, const char *label);

/** xtrace_recorder_marker_path - the instance's trace_marker file */
const char *xtrace_recorder_marker_path(const struct xtrace_recorder *r);

/**
 * xtrace_recorder_clock_now - @r's trace clock now, ns (the x86 TSC's count for -t tsc):
 * what a clock exchange with the collector reads (docs/clocks.md)
 */
uint64_t xtrace_recorder_clock_now(const struct xtrace_recorder *r);

/** xtrace_recorder_failed - a reader thread's error (-errno), 0 if none */
int xtrace_recorder_failed(const struct xtrace_recorder *r);

/**
 * xtrace_cleanup_stale_instances - remove tracefs instances of recorders that
 * are no longer running ("xtrace-PID" whose PID is gone)
 * Returns the number removed or -errno.
 */
int xtrace_cleanup_stale_instances(void);

/* ------------------------------------------------------- control channel */

/** xtrace_ctl_dir - where recorders' control sockets live ($XTRACE_RUN_DIR or /run/xtrace) */
const char *xtrace_ctl_dir(void);

/**
 * xtrace_ctl_listen - create this process's control socket
 * @path: set to the socket's path (free it; unlink it when done)
 *
 * Creates the directory with mode 0700 if needed and refuses one that is not
 * owned by this user or that others can write (-EPERM). Returns the listening
 * (non-blocking) socket.
 */
int xtrace_ctl_listen(char **path);

/**
 * xtrace_ctl_accept - accept one request on @lfd and read its line into @line
 * Returns the connection (answer it with xtrace_ctl_reply()), or -errno;
 * -EPERM for a peer that is neither root nor this user.
 */
int xtrace_ctl_accept(int lfd, char *line, size_t len);

/*
 * One reply dialect for everything a recorder answers — the control socket, "xtrace-run
 * --serve" and "xtrace-run --send" over ssh: a line "ok TEXT" or "err TEXT".
 */

/**
 * xtrace_reply_parse - read a reply line (without its newline)
 * @text: set to the TEXT part (may be empty)
 *
 * Returns 1 for "ok", 0 for "err" (and the "error" of xtrace 0.1.0's --serve), -EBADMSG for a
 * line that is not a reply.
 */
int xtrace_reply_parse(const char *line, const char **text);

/** xtrace_ctl_reply - answer "ok TEXT" or "err TEXT" on @fd and close it */
int xtrace_ctl_reply(int fd, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * xtrace_ctl_request - send one request line to the recorder at @path
 * @reply: its answer line ("ok ..." / "err ..."), to free
 */
int xtrace_ctl_request(const char *path, const char *request, char **reply, int timeout_ms);

struct xtrace_ctl_peer {
	pid_t pid;
	char *path;
};

/**
 * xtrace_ctl_list - the recorders running on this system, by pid
 * @stale: set to how many dead recorders' sockets were found and removed (their
 *         tracefs instances are removed too); may be NULL
 */
int xtrace_ctl_list(struct xtrace_ctl_peer **peers, int *nr, int *stale);
void xtrace_ctl_peers_free(struct xtrace_ctl_peer *peers, int nr);

/**
 * xtrace_ctl_mark - write @text into the trace of the recorder of @pid
 *
 * Straight into its tracefs instance's trace_marker (every instance of that process),
 * without a round trip to the recorder: the mark lands at this moment. The view shows it
 * as MARKER [text]. Returns the number of instances marked (0: none of @pid) or -errno.
 */
int xtrace_ctl_mark(pid_t pid, const char *text);

struct xtrace_ctl_result {
	pid_t pid;
	char *path;	/* its control socket */
	int ret;	/* 0, or -errno of the request */
	int marked;	/* instances marked, or -errno */
	char *reply;	/* its answer ("ok ..." / "err ..."), NULL on failure */
};

/**
 * xtrace_ctl_alert - mark and then ask every recorder running on this system at once
 * @mark: written into each recorder's trace first (xtrace_ctl_mark()); NULL: no mark
 * @request: then sent to every recorder, all before any answer is read ("flush")
 * @timeout_ms: how long to wait for the answers
 * @res: set to one result per recorder, by pid; free with xtrace_ctl_results_free()
 *
 * What a latency probe does on a missed deadline: the marks land in every trace
 * before any recorder starts to flush. Returns the number of recorders (0: none
 * running) or -errno.
 */
int xtrace_ctl_alert(const char *mark, const char *request, int timeout_ms,
		     struct xtrace_ctl_result **res);
void xtrace_ctl_results_free(struct xtrace_ctl_result *res, int nr);

#endif /* _XTRACE_H */
