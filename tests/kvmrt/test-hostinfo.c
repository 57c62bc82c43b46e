// SPDX-License-Identifier: LGPL-2.1
/* IRQs and tasks with their affinities, from a fake /proc and the real one. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "kvmrt-test.h"

static void test_fake_proc(void)
{
	char *dir = tu_mkdtemp();
	struct kvmrt_irq *irqs;
	struct kvmrt_task *tasks;
	int n;

	kt_write(dir, "interrupts",
		 "            CPU0       CPU1       CPU2       CPU3\n"
		 "   0:         44          0          0          0   IO-APIC   2-edge      timer\n"
		 "  24:       1000       2000          0          0   PCI-MSI 512000-edge      nvme0q0\n"
		 "NMI:          0          0          0          0   Non-maskable interrupts\n");
	kt_write(dir, "irq/0/smp_affinity_list", "0-3\n");
	kt_write(dir, "irq/0/effective_affinity_list", "0\n");
	kt_write(dir, "irq/24/smp_affinity_list", "2\n");
	kt_write(dir, "irq/9/smp_affinity_list", "1,3\n");
	kt_write(dir, "irq/default_smp_affinity", "f\n");
	kt_write(dir, "100/task/100/stat",
		 "100 (qemu (main)) S 1 100 100 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 3 0 10 1 1 "
		 "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 2 0 0 0 0 0\n");
	kt_write(dir, "100/task/100/status", "Name:\tqemu\nCpus_allowed:\tf\nCpus_allowed_list:\t0-3\n");
	kt_write(dir, "100/task/101/stat",
		 "101 (CPU 0/KVM) R 1 100 100 0 -1 4194560 1 0 0 0 0 0 0 0 -2 0 3 0 10 1 1 "
		 "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 5 1 1 0 0 0\n");
	kt_write(dir, "100/task/101/status", "Name:\tCPU 0/KVM\nCpus_allowed_list:\t5\n");
	kt_write(dir, "7/task/7/stat", "7 (gone");	/* malformed: skipped */
	kt_write(dir, "7/task/7/status", "Name:\tx\n");

	CU_ASSERT_EQUAL_FATAL(kvmrt_irqs_load(dir, &irqs, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_STRING_EQUAL(irqs[0].irq, "0");
	CU_ASSERT_STRING_EQUAL(kt_fmt(irqs[0].affinity), "0-3");
	CU_ASSERT_STRING_EQUAL(kt_fmt(irqs[0].effective), "0");
	CU_ASSERT_STRING_EQUAL(irqs[0].name, "IO-APIC 2-edge timer");
	CU_ASSERT_STRING_EQUAL(irqs[1].irq, "9");
	CU_ASSERT_STRING_EQUAL(kt_fmt(irqs[1].affinity), "1,3");
	CU_ASSERT_PTR_NULL(irqs[1].effective);
	CU_ASSERT_STRING_EQUAL(irqs[1].name, "");
	CU_ASSERT_STRING_EQUAL(irqs[2].irq, "24");
	CU_ASSERT_STRING_EQUAL(irqs[2].name, "PCI-MSI 512000-edge nvme0q0");
	kvmrt_irqs_free(irqs, n);

	CU_ASSERT_EQUAL_FATAL(kvmrt_tasks_load(dir, &tasks, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(tasks[0].pid, 100);
	CU_ASSERT_EQUAL(tasks[0].tid, 100);
	CU_ASSERT_STRING_EQUAL(tasks[0].comm, "qemu (main)");
	CU_ASSERT_EQUAL(tasks[0].policy, SCHED_OTHER);
	CU_ASSERT_STRING_EQUAL(kt_fmt(tasks[0].affinity), "0-3");
	CU_ASSERT_EQUAL(tasks[1].tid, 101);
	CU_ASSERT_STRING_EQUAL(tasks[1].comm, "CPU 0/KVM");
	CU_ASSERT_EQUAL(tasks[1].policy, SCHED_FIFO);
	CU_ASSERT_EQUAL(tasks[1].rt_priority, 1);
	CU_ASSERT_STRING_EQUAL(kvmrt_policy_name(tasks[1].policy), "FIFO");
	CU_ASSERT_STRING_EQUAL(kt_fmt(tasks[1].affinity), "5");
	CU_ASSERT_EQUAL(tasks[1].last_cpu, 5);
	CU_ASSERT_EQUAL(tasks[0].last_cpu, 2);
	kvmrt_tasks_free(tasks, n);

	CU_ASSERT_EQUAL(kvmrt_irqs_load("/nonexistent", &irqs, &n), -ENOENT);
	tu_rm_rf(dir);
	free(dir);
}

/* This thread, pinned to one CPU, is seen with that affinity. */
static void test_real_proc(void)
{
	cpu_set_t old, one;
	struct kvmrt_task *tasks;
	int n, me = syscall(SYS_gettid), cpu;
	bool found = false;
	char comm[64] = "";
	FILE *f = fopen("/proc/thread-self/comm", "r");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL(fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	CU_ASSERT_EQUAL_FATAL(sched_getaffinity(0, sizeof(old), &old), 0);
	for (cpu = CPU_SETSIZE - 1; cpu > 0 && !CPU_ISSET(cpu, &old); cpu--)
		;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	CU_ASSERT_EQUAL_FATAL(sched_setaffinity(0, sizeof(one), &one), 0);
	CU_ASSERT_EQUAL(kvmrt_tasks_load(NULL, &tasks, &n), 0);
	sched_setaffinity(0, sizeof(old), &old);
	for (int i = 0; i < n; i++) {
		if (tasks[i].tid != me)
			continue;
		found = true;
		CU_ASSERT_EQUAL(tasks[i].pid, getpid());
		CU_ASSERT_EQUAL(xtrace_idset_count(tasks[i].affinity), 1);
		CU_ASSERT_TRUE(xtrace_idset_has(tasks[i].affinity, cpu));
		CU_ASSERT_STRING_EQUAL(tasks[i].comm, comm);
	}
	CU_ASSERT_TRUE(found);
	kvmrt_tasks_free(tasks, n);
}

static void test_qemu_threads(void)
{
	static const char cmd[] = "/usr/bin/qemu-system-x86_64\0-name\0guest=vm1\0-uuid\0"
				  "FDE74E84-0E1B-404E-90E7-72101E79C48A\0-smp\0002\0";
	char *dir = tu_mkdtemp();
	int vcpu;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	kt_write(dir, "10/cmdline", "bash\0-c\0echo -uuid fde74e84-0e1b-404e-90e7-72101e79c48a");
	CU_ASSERT_EQUAL(kvmrt_find_qemu(dir, "fde74e84-0e1b-404e-90e7-72101e79c48a"), 0);
	CU_ASSERT_EQUAL(tu_write_file(dir, "42/cmdline", cmd, sizeof(cmd)), -ENOENT);
	kt_write(dir, "42/x", "");
	CU_ASSERT_EQUAL(tu_write_file(dir, "42/cmdline", cmd, sizeof(cmd)), 0);
	CU_ASSERT_EQUAL(kvmrt_find_qemu(dir, "fde74e84-0e1b-404e-90e7-72101e79c48a"), 42);
	CU_ASSERT_EQUAL(kvmrt_find_qemu(dir, "aaaaaaaa-0e1b-404e-90e7-72101e79c48a"), 0);
	CU_ASSERT(kvmrt_find_qemu("/nonexistent", "x") < 0);
	tu_rm_rf(dir);
	free(dir);

	CU_ASSERT_EQUAL(kvmrt_thread_role("CPU 3/KVM", &vcpu), KVMRT_THREAD_VCPU);
	CU_ASSERT_EQUAL(vcpu, 3);
	CU_ASSERT_EQUAL(kvmrt_thread_role("CPU 12/TCG", &vcpu), KVMRT_THREAD_VCPU);
	CU_ASSERT_EQUAL(vcpu, 12);
	CU_ASSERT_EQUAL(kvmrt_thread_role("CPU 1/KVMx y", &vcpu), KVMRT_THREAD_EMULATOR);
	CU_ASSERT_EQUAL(vcpu, -1);
	CU_ASSERT_EQUAL(kvmrt_thread_role("IO iothread1", &vcpu), KVMRT_THREAD_IOTHREAD);
	CU_ASSERT_EQUAL(kvmrt_thread_role("IO mon_iothread", &vcpu), KVMRT_THREAD_EMULATOR);
	CU_ASSERT_EQUAL(kvmrt_thread_role("qemu-system-x86", &vcpu), KVMRT_THREAD_EMULATOR);
	CU_ASSERT_EQUAL(kvmrt_thread_role("worker", &vcpu), KVMRT_THREAD_EMULATOR);
}

int add_hostinfo_suite(void)
{
	CU_pSuite s = CU_add_suite("host inspection", NULL, NULL);

	if (!s || !CU_add_test(s, "a fake /proc", test_fake_proc) ||
	    !CU_add_test(s, "this thread in /proc", test_real_proc) ||
	    !CU_add_test(s, "QEMU processes and thread roles", test_qemu_threads))
		return -1;
	return 0;
}
