/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * KVM-RT guest services (the guide's chapter 6, libccur_kvmrt_gs): a guest application pings
 * the host, logs a short message in the host's kernel log, flushes the host's xtrace buffers
 * and logs binary data as xtrace events; each call records a *_GUEST event in the guest's
 * recorders and a *_HOST event in the host's. docs/guest-services.md describes the transport,
 * the protocol and the limits. Link with -lkvmrt_gs (pkg-config kvmrt_gs).
 *
 * Every function is thread-safe (one request at a time, in a mutex). The first call finds the
 * transport and asks the host what it offers; after that a call allocates nothing and blocks
 * only for its own request (and for another process's call on the same port: a virtio-serial
 * port has one opener at a time), at most KVMRT_GS_TIMEOUT_MS (or $KVMRT_GS_TIMEOUT_MS). Call
 * kvmrt_gs_available() once before a real-time loop so the set-up is not in it.
 *
 * The calls return 0 on success and -errno on failure: -ENODEV no transport, -EOPNOTSUPP the
 * host does not offer that service to this VM, -EAGAIN rate-limited, -ETIMEDOUT no answer,
 * -EINVAL bad argument, -EMSGSIZE too long, -EIO the host failed (its reason is in
 * kvmrt_gs_last_error()).
 */
#ifndef _KVMRT_GS_H
#define _KVMRT_GS_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* kvmrt_gs_xtrace_flush()'s scope: which host CPUs (and guest CPUs) are flushed */
#define KVMRT_GS_XTRACE_CPU_CURRENT	0	/* the host CPU of the calling vCPU's thread */
#define KVMRT_GS_XTRACE_CPU_VM		1	/* every host CPU the VM's threads may run on */
#define KVMRT_GS_XTRACE_CPU_ALL		2	/* every host CPU */

/* Limits: longer messages are truncated, longer data refused (-EMSGSIZE). */
#define KVMRT_GS_MSG_MAX		200	/* bytes of a log_msg message */
#define KVMRT_GS_DATA_MAX		128	/* bytes of xtrace_log_data's data */
#define KVMRT_GS_TIMEOUT_MS		2000	/* default wait for the host's answer */

/* The virtio-serial port's name (guest: /dev/virtio-ports/org.kvmrt.gs.0) */
#define KVMRT_GS_PORT_NAME		"org.kvmrt.gs.0"
/* The AF_VSOCK port the host agent listens on (CID 2, the host) */
#define KVMRT_GS_VSOCK_PORT		0x4b47

bool kvmrt_gs_available(void);
bool kvmrt_gs_ping_available(void);
bool kvmrt_gs_log_msg_available(void);
bool kvmrt_gs_xtrace_flush_available(void);
bool kvmrt_gs_xtrace_log_data_available(void);

long kvmrt_gs_ping(unsigned long cookie);
long kvmrt_gs_log_msg(char *msg);
long kvmrt_gs_xtrace_flush(unsigned long scope);
long kvmrt_gs_xtrace_log_data(void *data, long size);

/**
 * kvmrt_gs_last_error - the host's or the transport's reason for the calling thread's last
 * failed call ("rate limited", "not enabled for this VM", ...); "" after a success
 */
const char *kvmrt_gs_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
