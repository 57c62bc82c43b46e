/* SPDX-License-Identifier: GPL-2.0 */
/* Names of VM exit reasons (VMX and SVM) and KVM hypercalls. */
#ifndef _XTRACE_VIEW_KVM_REASONS_H
#define _XTRACE_VIEW_KVM_REASONS_H

/* kvm_exit's "isa" field */
#define KVM_ISA_VMX	1
#define KVM_ISA_SVM	2

/* The name of exit @reason for @isa (VMX: its low 16 bits), or NULL if unknown. */
const char *kvm_exit_reason_name(int isa, unsigned long long reason);

/* The @i-th entry of @isa's table (for tests); 0, or -1 past the end. */
int kvm_exit_reason_table(int isa, int i, unsigned long long *code, const char **name);

/* KVM_HC_* name of hypercall @nr, or NULL. */
const char *kvm_hypercall_name(unsigned long long nr);

#endif
