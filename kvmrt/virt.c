// SPDX-License-Identifier: LGPL-2.1
/*
 * libvirt: the domains KVM-RT configures. Domains are changed by redefining
 * their persistent XML (what every driver accepts, the test driver too).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/xmlerror.h>

#include "kvmrt.h"
#include "kvmrt-local.h"

struct kvmrt_virt {
	virConnectPtr conn;
};

/* libvirt prints its errors by default: the library never prints */
static void silent(void *user, virErrorPtr e)
{
	(void)user;
	(void)e;
}

static void silent_xml(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static char *virt_error(const char *what)
{
	const char *m = virGetLastErrorMessage();

	return kvmrt_asprintf("%s: %s", what, m && *m ? m : "unknown libvirt error");
}

struct kvmrt_virt *kvmrt_virt_open(const char *uri, char **err)
{
	struct kvmrt_virt *v = calloc(1, sizeof(*v));

	*err = NULL;
	if (!v) {
		*err = strdup("out of memory");
		return NULL;
	}
	virSetErrorFunc(NULL, silent);
	xmlSetGenericErrorFunc(NULL, silent_xml);
	v->conn = virConnectOpen(uri);
	if (!v->conn) {
		*err = virt_error(uri ? uri : "libvirt's default connection");
		free(v);
		errno = ECONNREFUSED;
		return NULL;
	}
	return v;
}

void kvmrt_virt_close(struct kvmrt_virt *v)
{
	if (!v)
		return;
	virConnectClose(v->conn);
	free(v);
}

int kvmrt_virt_list(struct kvmrt_virt *v, char ***uuids, char **err)
{
	virDomainPtr *doms = NULL;
	char buf[VIR_UUID_STRING_BUFLEN];
	int n = virConnectListAllDomains(v->conn, &doms, 0);
	int ret = 0;

	*uuids = NULL;
	if (n < 0) {
		*err = virt_error("cannot list the domains");
		return -EIO;
	}
	*uuids = calloc(n + 1, sizeof(char *));
	for (int i = 0; i < n; i++) {
		if (*uuids && !virDomainGetUUIDString(doms[i], buf))
			(*uuids)[i] = strdup(buf);
		if (!*uuids || !(*uuids)[i])
			ret = -ENOMEM;
		virDomainFree(doms[i]);
	}
	free(doms);
	if (ret) {
		for (int i = 0; *uuids && i < n; i++)
			free((*uuids)[i]);
		free(*uuids);
		*uuids = NULL;
		*err = strdup("out of memory");
		return ret;
	}
	return n;
}

static virDomainPtr lookup(struct kvmrt_virt *v, const char *key)
{
	if (kvmrt_valid_uuid(key))
		return virDomainLookupByUUIDString(v->conn, key);
	return virDomainLookupByName(v->conn, key);
}

int kvmrt_virt_get_xml(struct kvmrt_virt *v, const char *key, char **xml, char **err)
{
	virDomainPtr d = lookup(v, key);

	*xml = NULL;
	if (!d) {
		if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) {
			*err = kvmrt_asprintf("unknown to libvirt (no domain named '%s')", key);
			return -ENOENT;
		}
		*err = virt_error(key);
		return -EIO;
	}
	*xml = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
	if (!*xml)
		*xml = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE);
	if (!*xml)
		*err = virt_error(key);
	virDomainFree(d);
	return *xml ? 0 : -EIO;
}

int kvmrt_virt_state(struct kvmrt_virt *v, const char *key, const char **state, char **err)
{
	static const char *const names[] = {
		[VIR_DOMAIN_NOSTATE] = "unknown", [VIR_DOMAIN_RUNNING] = "running",
		[VIR_DOMAIN_BLOCKED] = "blocked", [VIR_DOMAIN_PAUSED] = "paused",
		[VIR_DOMAIN_SHUTDOWN] = "shutting down", [VIR_DOMAIN_SHUTOFF] = "shut off",
		[VIR_DOMAIN_CRASHED] = "crashed", [VIR_DOMAIN_PMSUSPENDED] = "suspended",
	};
	virDomainPtr d = lookup(v, key);
	int st, reason;

	*state = "unknown";
	if (!d) {
		if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) {
			*err = kvmrt_asprintf("unknown to libvirt (no domain '%s')", key);
			return -ENOENT;
		}
		*err = virt_error(key);
		return -EIO;
	}
	if (virDomainGetState(d, &st, &reason, 0) < 0) {
		*err = virt_error(key);
		virDomainFree(d);
		return -EIO;
	}
	if (st >= 0 && st < (int)ARRAY_SIZE(names) && names[st])
		*state = names[st];
	virDomainFree(d);
	return 0;
}

int kvmrt_virt_define(struct kvmrt_virt *v, const char *xml, char **err)
{
	virDomainPtr d = virDomainDefineXML(v->conn, xml);

	if (!d) {
		*err = virt_error("cannot define the domain");
		return -EIO;
	}
	virDomainFree(d);
	return 0;
}

int kvmrt_virt_rename(struct kvmrt_virt *v, const char *uuid, const char *name, char **err)
{
	virDomainPtr d = virDomainLookupByUUIDString(v->conn, uuid);
	int ret = 0;

	if (!d) {
		*err = virt_error(uuid);
		return -ENOENT;
	}
	if (virDomainRename(d, name, 0) < 0) {
		*err = virt_error("cannot rename the domain");
		ret = -EIO;
	}
	virDomainFree(d);
	return ret;
}

/* The domain's <name> in @xml, or NULL. */
static char *xml_name(const char *xml, const struct kvmrt_topo *topo)
{
	struct kvmrt_domsettings s;
	char *err = NULL, *name = NULL;

	if (!kvmrt_domxml_read(xml, topo, &s, &err)) {
		name = s.val[KA_NAME];
		s.val[KA_NAME] = NULL;
		kvmrt_domsettings_release(&s);
	}
	free(err);
	return name;
}

int kvmrt_sync_vm(struct kvmrt_virt *v, const struct kvmrt_vm *vm, const struct kvmrt_topo *topo,
		  bool dry_run, bool *changed, char **xml_out, char **err)
{
	char *xml = NULL, *nxml = NULL, *cur;
	int ret;

	*changed = false;
	*err = NULL;
	if (xml_out)
		*xml_out = NULL;
	ret = kvmrt_virt_get_xml(v, vm->uuid, &xml, err);
	if (ret == -ENOENT) {
		free(*err);
		*err = kvmrt_asprintf("unknown to libvirt (no domain with UUID %s): define it in libvirt or remove it from the configuration",
				      vm->uuid);
	}
	if (ret)
		return ret;

	/* a new name in the file: rename the domain (libvirt keys files by name) */
	cur = xml_name(xml, topo);
	if (!dry_run && cur && vm->name && *vm->name && strcmp(cur, vm->name)) {
		ret = kvmrt_virt_rename(v, vm->uuid, vm->name, err);
		free(xml);
		xml = NULL;
		if (!ret)
			ret = kvmrt_virt_get_xml(v, vm->uuid, &xml, err);
		if (ret)
			goto out;
		*changed = true;
	}
	ret = kvmrt_domxml_apply(xml, vm, topo, &nxml, changed, err);
	if (ret)
		goto out;
	if (dry_run) {
		if (xml_out) {
			*xml_out = nxml;
			nxml = NULL;
		}
		goto out;
	}
	if (*changed) {
		ret = kvmrt_virt_define(v, nxml, err);
		if (ret)
			goto out;
	}
	if (xml_out)
		ret = kvmrt_virt_get_xml(v, vm->uuid, xml_out, err);
out:
	free(cur);
	free(xml);
	free(nxml);
	return ret;
}

/*
 * Whether @val for attribute @a means what @vm has now, on @topo: auto and
 * the value it resolves to are the same.
 */
static bool same_meaning(const struct kvmrt_vm *vm, enum kvmrt_attr_id a, const char *val,
			 const struct kvmrt_topo *topo)
{
	struct kvmrt_placement *p;
	struct xtrace_idset *nodes;
	bool same = false, b;

	if (a == KA_NR_VCPUS && vm->nr_vcpus_auto)
		return atoi(val) == vm->nr_vcpus;
	if (a == KA_CPU_TOPOLOGY && !strcmp(val, "auto"))
		return vm->sockets == 1 && vm->cores == vm->nr_vcpus && vm->threads == 1;
	if (a == KA_RT_MEMORY) {
		bool now = vm->rt_memory == KVMRT_AUTO ? vm->rt : vm->rt_memory == KVMRT_YES;

		if (!strcmp(val, "auto"))
			return now == vm->rt;
		return !kvmrt_parse_bool(val, &b) && b == now;
	}
	if (a != KA_NUMATUNE)
		return false;
	p = kvmrt_place(vm, topo);
	nodes = xtrace_idset_new();
	if (p && nodes) {
		if (!strcmp(val, "auto"))
			xtrace_idset_or(nodes, p->cpuset_nodes);
		else if (xtrace_idset_parse(nodes, val, NULL))
			goto out;
		if (!p->bound)
			xtrace_idset_clear(nodes);
		same = xtrace_idset_equal(nodes, p->numa_nodes);
	}
out:
	xtrace_idset_free(nodes);
	kvmrt_placement_free(p);
	return same;
}

int kvmrt_update_vm(struct kvmrt_vm *vm, const struct kvmrt_domsettings *s,
		    const struct kvmrt_topo *topo)
{
	bool fresh = vm->nr_attrs == 0;
	int changes = 0, ret;

	for (int a = 0; a < KA_NR; a++) {
		const char *val = s->val[a];
		char *cur;

		if (fresh && a == KA_AUTOSTART)
			val = "true";
		if (!val || (fresh && a == KA_PCIDEVS && !*val))
			continue;
		cur = kvmrt_vm_format(vm, a);
		if (!cur)
			return -ENOMEM;
		if (fresh || (strcmp(cur, val) && !same_meaning(vm, a, val, topo))) {
			ret = kvmrt_vm_set(vm, kvmrt_attr_name(a), val);
			if (ret < 0) {
				free(cur);
				return ret;
			}
			changes += ret;
		}
		free(cur);
	}
	return changes;
}

/* virDomainCreate, virDomainShutdown or virDomainDestroy on domain @key */
static int domain_op(struct kvmrt_virt *v, const char *key, int (*op)(virDomainPtr),
		     char **err)
{
	virDomainPtr d = lookup(v, key);
	int ret = 0;

	*err = NULL;
	if (!d) {
		if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) {
			*err = kvmrt_asprintf("unknown to libvirt (no domain named '%s')", key);
			return -ENOENT;
		}
		*err = virt_error(key);
		return -EIO;
	}
	if (op(d) < 0) {
		const char *m = virGetLastErrorMessage();

		*err = strdup(m && *m ? m : "unknown libvirt error");
		ret = -EIO;
	}
	virDomainFree(d);
	return ret;
}

int kvmrt_virt_start(struct kvmrt_virt *v, const char *key, char **err)
{
	return domain_op(v, key, virDomainCreate, err);
}

int kvmrt_virt_shutdown(struct kvmrt_virt *v, const char *key, char **err)
{
	return domain_op(v, key, virDomainShutdown, err);
}

int kvmrt_virt_destroy(struct kvmrt_virt *v, const char *key, char **err)
{
	return domain_op(v, key, virDomainDestroy, err);
}
