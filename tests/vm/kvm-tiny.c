/*
 * kvm-tiny: the smallest real KVM workload, for recording kvm:* tracepoints.
 *
 *   kvm-tiny [-q] N M [NR]
 *
 * One VM, one 4 KiB memory slot at guest physical 0x1000 holding 16-bit real-mode code, one
 * vCPU. The code does N `out` instructions to I/O port 0x10 (each one a KVM_EXIT_IO seen here,
 * and an SVM `io` / VMX `IO_INSTRUCTION` exit in the kernel), then M `vmmcall` hypercalls with
 * hypercall number NR (default 42, unknown to KVM: the kernel answers -KVM_ENOSYS and
 * handles them without leaving the kernel, but kvm:kvm_hypercall fires for each), then `hlt`
 * (KVM_EXIT_HLT here, since there is no in-kernel irqchip). N and M go to the vCPU in ECX and
 * EBX, so they may be up to 2^32-1.
 *
 * It prints what it saw from userspace and exits 0 when the counts are the expected ones:
 * io = N, hlt = 1, nothing else, and the guest's registers say both loops ran to the end.
 * `vmmcall` needs an AMD (SVM) vCPU: on Intel, `vmmcall` is #UD and KVM patches it to `vmcall`.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define GUEST_ADDR 0x1000
#define GUEST_SIZE 0x1000
#define IO_PORT    0x10

/*
 * 16-bit real-mode code at 0x1000 (ECX = N, EBX = M, DX = port, set through KVM_SET_REGS):
 *   00: 67 e3 05           jecxz  08
 *   03: ee                 out    dx, al
 *   04: 66 49              dec    ecx
 *   06: 75 fb              jne    03
 *   08: 66 89 d9           mov    ecx, ebx
 *   0b: 67 e3 0d           jecxz  1b
 *   0e: 66 b8 NR NR NR NR  mov    eax, NR
 *   14: 0f 01 d9           vmmcall
 *   17: 66 49              dec    ecx
 *   19: 75 f3              jne    0e
 *   1b: f4                 hlt
 *   1c: eb fd              jmp    1b
 */
static const uint8_t code[] = {
	0x67, 0xe3, 0x05,
	0xee,
	0x66, 0x49,
	0x75, 0xfb,
	0x66, 0x89, 0xd9,
	0x67, 0xe3, 0x0d,
	0x66, 0xb8, 0, 0, 0, 0,
	0x0f, 0x01, 0xd9,
	0x66, 0x49,
	0x75, 0xf3,
	0xf4,
	0xeb, 0xfd,
};
#define NR_OFFSET 0x10
#define HLT_OFFSET 0x1b

static void die(const char *what)
{
	fprintf(stderr, "kvm-tiny: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: kvm-tiny [-q] N M [NR]\n"
		"  run N `out` (KVM_EXIT_IO) then M `vmmcall` hypercalls (number NR, default 42)\n"
		"  then `hlt` in a one-vCPU real-mode KVM guest; -q prints only errors\n");
	exit(2);
}

static uint32_t parse_u32(const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end || end == s || v > UINT32_MAX || s[0] == '-') {
		fprintf(stderr, "kvm-tiny: bad %s '%s' (0 to 4294967295)\n", what, s);
		exit(2);
	}
	return (uint32_t)v;
}

static const char *exit_name(uint32_t r)
{
	switch (r) {
	case KVM_EXIT_IO: return "io";
	case KVM_EXIT_HLT: return "hlt";
	case KVM_EXIT_MMIO: return "mmio";
	case KVM_EXIT_SHUTDOWN: return "shutdown";
	case KVM_EXIT_FAIL_ENTRY: return "fail_entry";
	case KVM_EXIT_INTERNAL_ERROR: return "internal_error";
	case KVM_EXIT_HYPERCALL: return "hypercall";
	case KVM_EXIT_INTR: return "intr";
	default: return "other";
	}
}

int main(int argc, char **argv)
{
	int quiet = 0;
	if (argc > 1 && strcmp(argv[1], "-q") == 0) {
		quiet = 1;
		argc--, argv++;
	}
	if (argc < 3 || argc > 4)
		usage();
	uint32_t n = parse_u32(argv[1], "N");
	uint32_t m = parse_u32(argv[2], "M");
	uint32_t nr = argc > 3 ? parse_u32(argv[3], "NR") : 42;

	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm (is kvm_amd or kvm_intel loaded?)");
	int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		fprintf(stderr, "kvm-tiny: KVM API version %d, expected %d\n", api, KVM_API_VERSION);
		return 1;
	}
	int vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	if (vm < 0)
		die("KVM_CREATE_VM");

	uint8_t *mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	memcpy(mem, code, sizeof(code));
	memcpy(mem + NR_OFFSET, &nr, sizeof(nr));
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = GUEST_ADDR,
		.memory_size = GUEST_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");

	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(struct kvm_run))
		die("KVM_GET_VCPU_MMAP_SIZE");
	struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");

	struct kvm_sregs sregs;
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");
	struct kvm_regs regs = {
		.rip = GUEST_ADDR,
		.rflags = 0x2,
		.rcx = n,
		.rbx = m,
		.rdx = IO_PORT,
	};
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");

	uint64_t counts[64] = { 0 }, runs = 0, io_wrong = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN");
		}
		runs++;
		uint32_t r = run->exit_reason;
		counts[r < 64 ? r : 63]++;
		if (r == KVM_EXIT_HLT)
			break;
		if (r == KVM_EXIT_IO) {
			if (run->io.direction != KVM_EXIT_IO_OUT || run->io.port != IO_PORT ||
			    run->io.count != 1)
				io_wrong++;
			continue;
		}
		fprintf(stderr, "kvm-tiny: unexpected exit %u (%s)", r, exit_name(r));
		if (r == KVM_EXIT_FAIL_ENTRY)
			fprintf(stderr, ", hardware reason 0x%llx",
				(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		if (r == KVM_EXIT_INTERNAL_ERROR)
			fprintf(stderr, ", suberror %u", run->internal.suberror);
		fputc('\n', stderr);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	if (ioctl(vcpu, KVM_GET_REGS, &regs) < 0)
		die("KVM_GET_REGS");
	uint64_t others = runs - counts[KVM_EXIT_IO] - counts[KVM_EXIT_HLT];
	int ok = counts[KVM_EXIT_IO] == n && counts[KVM_EXIT_HLT] == 1 && others == 0 &&
		 io_wrong == 0 && (uint32_t)regs.rcx == 0 && regs.rip == GUEST_ADDR + HLT_OFFSET + 1;
	/* EAX holds the last hypercall's return value (-KVM_ENOSYS = -1000 for an unknown NR). */
	int32_t hc_ret = (int32_t)(uint32_t)regs.rax;
	if (!quiet || !ok) {
		printf("kvm-tiny: %u out to port 0x%x, %u vmmcall (nr %u), hlt: "
		       "%" PRIu64 " KVM_RUN exits to userspace in %.3f s\n",
		       n, IO_PORT, m, nr, runs, secs);
		printf("kvm-tiny: exits seen from userspace: io %" PRIu64 ", hlt %" PRIu64
		       ", other %" PRIu64 "\n", counts[KVM_EXIT_IO], counts[KVM_EXIT_HLT], others);
		if (m)
			printf("kvm-tiny: hypercalls handled in the kernel: %u, last returned %d\n",
			       m, hc_ret);
		printf("kvm-tiny: %s (rip 0x%llx, ecx %u)\n", ok ? "ok" : "UNEXPECTED",
		       (unsigned long long)regs.rip, (uint32_t)regs.rcx);
	}
	munmap(run, run_size);
	close(vcpu);
	close(vm);
	close(kvm);
	munmap(mem, GUEST_SIZE);
	return ok ? 0 : 1;
}
