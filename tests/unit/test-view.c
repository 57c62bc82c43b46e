// SPDX-License-Identifier: GPL-2.0
/*
 * xtrace-view's pure parts: the VM exit reason tables (against the kernel's
 * uapi headers where the build has them) and the percentile histogram
 * (against exact percentiles of sorted data).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

/* the view's own files: the unit binary does not link the program */
#include "../../xtrace-view/kvm-reasons.c"
#include "../../xtrace-view/hist.c"

#if defined(__x86_64__) || defined(__i386__)
#include <asm/vmx.h>
#include <asm/svm.h>
#define HAVE_UAPI_KVM 1
/* the exception vectors SVM_EXIT_REASONS names (arch/x86/include/asm/trapnr.h) */
#define DE_VECTOR 0
#define DB_VECTOR 1
#define BP_VECTOR 3
#define OF_VECTOR 4
#define BR_VECTOR 5
#define UD_VECTOR 6
#define NM_VECTOR 7
#define DF_VECTOR 8
#define TS_VECTOR 10
#define NP_VECTOR 11
#define SS_VECTOR 12
#define GP_VECTOR 13
#define PF_VECTOR 14
#define MF_VECTOR 16
#define AC_VECTOR 17
#define MC_VECTOR 18
#define XM_VECTOR 19
#endif

int add_view_suite(void);

struct uapi_reason {
	unsigned long long code;
	const char *name;
};

/* names compare with the kernel's, spaces written as '_' */
static void check_same(int isa, const struct uapi_reason *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *got = kvm_exit_reason_name(isa, t[i].code);
		char want[64];

		snprintf(want, sizeof(want), "%s", t[i].name);
		for (char *c = want; *c; c++)
			if (*c == ' ')
				*c = '_';
		CU_ASSERT_PTR_NOT_NULL_FATAL(got);
		if (strcmp(got, want))
			fprintf(stderr, "isa %d code %#llx: %s, kernel says %s\n", isa, t[i].code, got,
				want);
		CU_ASSERT_STRING_EQUAL(got, want);
	}
}

#ifdef HAVE_UAPI_KVM
/* x86 builds only: elsewhere the kernel's uapi has no VMX/SVM headers and the test is not run */
static void test_reasons_uapi(void)
{
	static const struct uapi_reason vmx[] = { VMX_EXIT_REASONS };
	static const struct uapi_reason svm[] = { SVM_EXIT_REASONS };

	check_same(KVM_ISA_VMX, vmx, sizeof(vmx) / sizeof(vmx[0]));
	/* SVM_EXIT_ERR is -1: the kernel prints it from the low 32 bits */
	for (size_t i = 0; i < sizeof(svm) / sizeof(svm[0]); i++) {
		struct uapi_reason r = svm[i];

		r.code &= 0xffffffffULL;
		check_same(KVM_ISA_SVM, &r, 1);
	}
}
#endif

static void test_reasons_known(void)
{
	unsigned long long prev = 0, code;
	const char *name;

	/* the names the SVM test program makes, and common VMX ones */
	CU_ASSERT_STRING_EQUAL(kvm_exit_reason_name(KVM_ISA_SVM, 0x400), "npf");
	CU_ASSERT_STRING_EQUAL(kvm_exit_reason_name(KVM_ISA_SVM, 0x7b), "io");
	CU_ASSERT_STRING_EQUAL(kvm_exit_reason_name(KVM_ISA_SVM, 0x81), "hypercall");
	CU_ASSERT_STRING_EQUAL(kvm_exit_reason_name(KVM_ISA_SVM, 0x78), "hlt");
	CU_ASSERT_STRING_EQUAL(kvm_exit_reason_name(KVM_ISA_SVM, 0x60), "interrupt");
	CU_ASSERT_STRING_EQUAL(kvm_exit_reason_name(KVM_ISA_SVM, 0x4e), "PF_excp");
	CU_ASSERT_STRING_EQUAL(kvm_exit_reason_name(KVM_ISA_VMX, 1), "EXTERNAL_INTERRUPT");
	CU_ASSERT_STRING_EQUAL(kvm_exit_reason_name(KVM_ISA_VMX, 48), "EPT_VIOLATION");
	CU_ASSERT_STRING_EQUAL(kvm_exit_reason_name(KVM_ISA_VMX, 85), "MSR_WRITE_IMM");
	/* VMX: the low 16 bits are the reason, the high ones flags */
	CU_ASSERT_STRING_EQUAL(kvm_exit_reason_name(KVM_ISA_VMX, 0x80000021), "INVALID_STATE");
	CU_ASSERT_PTR_NULL(kvm_exit_reason_name(KVM_ISA_VMX, 5));
	CU_ASSERT_PTR_NULL(kvm_exit_reason_name(KVM_ISA_SVM, 0x1234));
	CU_ASSERT_PTR_NULL(kvm_exit_reason_name(3, 1));
	CU_ASSERT_STRING_EQUAL(kvm_hypercall_name(5), "KICK_CPU");
	CU_ASSERT_PTR_NULL(kvm_hypercall_name(4000));
	/* sorted tables (the lookup is a binary search), names of one word */
	for (int isa = KVM_ISA_VMX; isa <= KVM_ISA_SVM; isa++) {
		for (int i = 0; !kvm_exit_reason_table(isa, i, &code, &name); i++) {
			if (i)
				CU_ASSERT(code > prev);
			prev = code;
			CU_ASSERT_PTR_NULL(strchr(name, ' '));
			CU_ASSERT_STRING_EQUAL(kvm_exit_reason_name(isa, code), name);
		}
	}
	CU_ASSERT_EQUAL(kvm_exit_reason_table(7, 0, &code, &name), -1);
}

static void test_hist_buckets(void)
{
	/* every value falls in the bucket whose bounds hold it; buckets tile the line */
	for (int i = 0; i < HIST_BUCKETS - 1; i++) {
		CU_ASSERT_EQUAL(hist_bucket_high(i) + 1, hist_bucket_low(i + 1));
		CU_ASSERT_EQUAL(hist_bucket(hist_bucket_low(i)), i);
		CU_ASSERT_EQUAL(hist_bucket(hist_bucket_high(i)), i);
		/* width at most 1/64 of the values it holds */
		CU_ASSERT((hist_bucket_high(i) - hist_bucket_low(i)) * 64 <= hist_bucket_low(i) ||
			  i < HIST_LINEAR);
	}
	CU_ASSERT_EQUAL(hist_bucket(UINT64_MAX), HIST_BUCKETS - 1);
	CU_ASSERT_EQUAL(hist_bucket(127), 127);
	CU_ASSERT_EQUAL(hist_bucket(128), 128);
}

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void test_hist_percentiles(void)
{
	enum { N = 200000 };
	uint64_t *v = malloc(N * sizeof(*v)), sum = 0;
	struct hist h = { 0 }, a = { 0 }, b = { 0 };
	static const double ps[] = { 1, 10, 50, 90, 99, 99.9, 100 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(hist_percentile(&h, 50), 0);
	for (int i = 0; i < N; i++) {
		/* log-uniform from 1 ns to ~1 s, like exit times with a long tail */
		v[i] = 1 + (rng() % 1000) * (1ULL << (rng() % 20)) + rng() % 50;
		sum += v[i];
		CU_ASSERT_EQUAL_FATAL(hist_add(&h, v[i]), 0);
		CU_ASSERT_EQUAL_FATAL(hist_add(i % 2 ? &a : &b, v[i]), 0);
	}
	qsort(v, N, sizeof(*v), cmp_u64);
	CU_ASSERT_EQUAL(h.count, N);
	CU_ASSERT_EQUAL(h.sum, sum);
	CU_ASSERT_EQUAL(h.min, v[0]);
	CU_ASSERT_EQUAL(h.max, v[N - 1]);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		size_t rank = (size_t)(ps[i] / 100.0 * N + 0.999999);
		uint64_t exact = v[rank ? rank - 1 : 0], got = hist_percentile(&h, ps[i]);
		double err = exact ? ((double)got - (double)exact) / (double)exact : 0;

		/* the documented precision: within 1/128 of the true value */
		if (err < 0)
			err = -err;
		if (err > 1.0 / 128)
			fprintf(stderr, "p%g: exact %llu, histogram %llu\n", ps[i],
				(unsigned long long)exact, (unsigned long long)got);
		CU_ASSERT(err <= 1.0 / 128);
	}
	/* two halves merged give the whole */
	CU_ASSERT_EQUAL(hist_merge(&a, &b), 0);
	CU_ASSERT_EQUAL(a.count, h.count);
	CU_ASSERT_EQUAL(a.sum, h.sum);
	CU_ASSERT_EQUAL(a.min, h.min);
	CU_ASSERT_EQUAL(a.max, h.max);
	CU_ASSERT_EQUAL(hist_percentile(&a, 99), hist_percentile(&h, 99));
	CU_ASSERT_EQUAL(memcmp(a.b, h.b, HIST_BUCKETS * sizeof(*h.b)), 0);
	/* small exact values */
	{
		struct hist s = { 0 };

		for (int i = 1; i <= 100; i++)
			hist_add(&s, i);
		CU_ASSERT_EQUAL(hist_percentile(&s, 50), 50);
		CU_ASSERT_EQUAL(hist_percentile(&s, 99), 99);
		CU_ASSERT_EQUAL(hist_percentile(&s, 100), 100);
		hist_free(&s);
	}
	hist_free(&h);
	hist_free(&a);
	hist_free(&b);
	free(v);
}

int add_view_suite(void)
{
	CU_pSuite s = CU_add_suite("view", NULL, NULL);

	if (!s)
		return -1;
#ifdef HAVE_UAPI_KVM
	if (!CU_add_test(s, "exit reasons match the uapi headers", test_reasons_uapi))
		return -1;
#endif
	if (!CU_add_test(s, "exit reasons: lookups and tables", test_reasons_known) ||
	    !CU_add_test(s, "histogram buckets", test_hist_buckets) ||
	    !CU_add_test(s, "histogram percentiles and merging", test_hist_percentiles))
		return -1;
	return 0;
}
