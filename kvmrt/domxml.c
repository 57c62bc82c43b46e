// SPDX-License-Identifier: LGPL-2.1
/*
 * A VM's KVM-RT settings in its libvirt domain XML, edited with libxml2:
 * only the elements KVM-RT owns are touched, everything else stays.
 *
 *   <name>, <title>, <description>
 *   <vcpu>N</vcpu>, <cpu><topology sockets= cores= threads=/></cpu>
 *   <cputune> vcpupin per vCPU, emulatorpin, iothreadpin per I/O thread,
 *             vcpusched scheduler='fifo' for real-time VMs </cputune>
 *   <numatune><memory mode='strict' nodeset=/></numatune>
 *   <memoryBacking><locked/></memoryBacking>
 *   <features><kvm><hidden state='on'/></kvm></features>
 *   <devices> hostdev type='pci' per pcidevs; memballoon model='none' (rt);
 *             the guest services' virtio-serial channel (guest_services) </devices>
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "kvmrt.h"
#include "kvmrt-local.h"

#define RT_PRIORITY "1"

static bool is_elem(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (is_elem(n, name))
			return n;
	return NULL;
}

static xmlNodePtr ensure_child(xmlNodePtr parent, const char *name)
{
	xmlNodePtr n = child(parent, name);

	return n ? n : xmlNewChild(parent, NULL, BAD_CAST name, NULL);
}

static bool has_elements(xmlNodePtr n)
{
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return true;
	return false;
}

static void drop(xmlNodePtr n)
{
	if (!n)
		return;
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

static void drop_children(xmlNodePtr parent, const char *name)
{
	xmlNodePtr n = parent ? parent->children : NULL, next;

	for (; n; n = next) {
		next = n->next;
		if (is_elem(n, name))
			drop(n);
	}
}

static void drop_if_empty(xmlNodePtr n)
{
	if (n && !has_elements(n) && !n->properties)
		drop(n);
}

static void set_text(xmlNodePtr n, const char *text)
{
	xmlChar *esc = xmlEncodeSpecialChars(n->doc, BAD_CAST text);

	xmlNodeSetContent(n, esc);
	xmlFree(esc);
}

/* The element's text, trimmed (malloc'd), "" if none. */
static char *text_of(xmlNodePtr n)
{
	xmlChar *c = n ? xmlNodeGetContent(n) : NULL;
	char *s = strdup(c ? kvmrt_trim((char *)c) : "");

	xmlFree(c);
	return s;
}

static char *prop(xmlNodePtr n, const char *name)
{
	xmlChar *v = n ? xmlGetProp(n, BAD_CAST name) : NULL;
	char *s = v ? strdup((char *)v) : NULL;

	xmlFree(v);
	return s;
}

static void set_prop(xmlNodePtr n, const char *name, const char *value)
{
	xmlSetProp(n, BAD_CAST name, BAD_CAST value);
}

static void set_prop_int(xmlNodePtr n, const char *name, int v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", v);
	set_prop(n, name, buf);
}

static char *serialize(xmlDocPtr doc)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlSaveCtxtPtr ctx;
	char *s = NULL;

	if (!buf)
		return NULL;
	ctx = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL);
	if (ctx) {
		xmlSaveDoc(ctx, doc);
		xmlSaveClose(ctx);
		s = strdup((const char *)xmlBufferContent(buf));
	}
	xmlBufferFree(buf);
	return s;
}

static xmlDocPtr parse(const char *xml, char **err)
{
	xmlDocPtr doc = xmlReadMemory(xml, strlen(xml), "domain.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
				      XML_PARSE_NOWARNING);
	xmlNodePtr root;

	if (!doc) {
		const xmlError *e = xmlGetLastError();

		*err = kvmrt_asprintf("malformed domain XML: %s",
				 e && e->message ? kvmrt_trim(e->message) : "parse error");
		return NULL;
	}
	root = xmlDocGetRootElement(doc);
	if (!is_elem(root, "domain")) {
		*err = kvmrt_asprintf("not a libvirt domain XML (root element <%s>)",
				 root ? (const char *)root->name : "none");
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* The I/O thread IDs the domain declares. */
static int iothread_ids(xmlNodePtr dom, int *ids, int max)
{
	xmlNodePtr idsn = child(dom, "iothreadids"), n;
	int count = 0;

	if (idsn) {
		for (n = idsn->children; n && count < max; n = n->next) {
			char *id = prop(n, "id");
			long v;

			if (is_elem(n, "iothread") && id && !kvmrt_parse_int(id, 1, 1 << 20, &v))
				ids[count++] = v;
			free(id);
		}
		return count;
	}
	n = child(dom, "iothreads");
	if (n) {
		char *t = text_of(n);
		long v;

		if (t && !kvmrt_parse_int(t, 0, max, &v))
			for (count = 0; count < v; count++)
				ids[count] = count + 1;
		free(t);
	}
	return count;
}

static bool is_pin(xmlNodePtr n)
{
	return is_elem(n, "vcpupin") || is_elem(n, "emulatorpin") || is_elem(n, "iothreadpin") ||
	       is_elem(n, "vcpusched");
}

/*
 * Where the pins go in <cputune>: where they were, else before what libvirt
 * writes after them, so that a domain in sync reads back unchanged.
 */
static xmlNodePtr pin_anchor(xmlNodePtr tune)
{
	static const char *const after[] = { "emulatorsched", "iothreadsched", "cachetune",
					     "memorytune" };
	xmlNodePtr n;

	for (n = tune->children; n && !is_pin(n); n = n->next)
		;
	if (n) {
		while (n && (is_pin(n) || n->type != XML_ELEMENT_NODE))
			n = n->next;
		return n;
	}
	for (n = tune->children; n; n = n->next)
		for (size_t i = 0; i < ARRAY_SIZE(after); i++)
			if (is_elem(n, after[i]))
				return n;
	return NULL;
}

static xmlNodePtr new_pin(xmlNodePtr tune, xmlNodePtr anchor, const char *name)
{
	xmlNodePtr n = xmlNewDocNode(tune->doc, NULL, BAD_CAST name, NULL);

	if (!n)
		return NULL;
	return anchor ? xmlAddPrevSibling(anchor, n) : xmlAddChild(tune, n);
}

static void apply_cputune(xmlNodePtr dom, const struct kvmrt_vm *vm,
			  const struct kvmrt_placement *p)
{
	xmlNodePtr tune = ensure_child(dom, "cputune"), n, anchor;
	int ids[256], nr_io;
	char *s;

	anchor = pin_anchor(tune);
	drop_children(tune, "vcpupin");
	drop_children(tune, "emulatorpin");
	drop_children(tune, "iothreadpin");
	drop_children(tune, "vcpusched");
	if (p->bound) {
		char emu[16];

		snprintf(emu, sizeof(emu), "%d", p->emulator_cpu);
		for (int i = 0; i < p->nr_vcpus; i++) {
			n = new_pin(tune, anchor, "vcpupin");
			set_prop_int(n, "vcpu", i);
			s = xtrace_idset_format(p->vcpu[i]);
			set_prop(n, "cpuset", s ? s : "");
			free(s);
		}
		n = new_pin(tune, anchor, "emulatorpin");
		set_prop(n, "cpuset", emu);
		nr_io = iothread_ids(dom, ids, ARRAY_SIZE(ids));
		for (int i = 0; i < nr_io; i++) {
			n = new_pin(tune, anchor, "iothreadpin");
			set_prop_int(n, "iothread", ids[i]);
			set_prop(n, "cpuset", emu);
		}
	}
	/* one element per vCPU, as libvirt writes them back */
	for (int i = 0; vm->rt && i < vm->nr_vcpus; i++) {
		n = new_pin(tune, anchor, "vcpusched");
		set_prop_int(n, "vcpus", i);
		set_prop(n, "scheduler", "fifo");
		set_prop(n, "priority", RT_PRIORITY);
	}
	drop_if_empty(tune);
}

static void pci_attrs(const char *pci, char dom[8], char bus[8], char slot[8], char fn[8])
{
	unsigned int d, b, s, f;

	sscanf(pci, "%x:%x:%x.%x", &d, &b, &s, &f);
	snprintf(dom, 8, "0x%04x", d);
	snprintf(bus, 8, "0x%02x", b);
	snprintf(slot, 8, "0x%02x", s);
	snprintf(fn, 8, "0x%x", f);
}

/* The PCI address of a <hostdev type='pci'> as "0000:03:00.0", or "" */
static void hostdev_pci(xmlNodePtr hd, char out[13])
{
	xmlNodePtr a = child(child(hd, "source"), "address");
	char *v[4] = { prop(a, "domain"), prop(a, "bus"), prop(a, "slot"), prop(a, "function") };

	out[0] = '\0';
	if (v[1] && v[2] && v[3]) {
		unsigned long d = v[0] ? strtoul(v[0], NULL, 0) : 0;

		snprintf(out, 13, "%04lx:%02lx:%02lx.%lx", d & 0xffff,
			 strtoul(v[1], NULL, 0) & 0xff,
			 strtoul(v[2], NULL, 0) & 0x1f, strtoul(v[3], NULL, 0) & 7);
	}
	for (int i = 0; i < 4; i++)
		free(v[i]);
}

static bool is_pci_hostdev(xmlNodePtr n)
{
	char *mode = prop(n, "mode"), *type = prop(n, "type");
	bool r = is_elem(n, "hostdev") && type && !strcmp(type, "pci") &&
		 (!mode || !strcmp(mode, "subsystem"));

	free(mode);
	free(type);
	return r;
}

static void apply_devices(xmlNodePtr dom, const struct kvmrt_vm *vm)
{
	xmlNodePtr devs = ensure_child(dom, "devices"), n, next;
	bool *present = calloc(vm->nr_pcidevs + 1, sizeof(bool));
	char pci[13];

	if (!present)
		return;
	for (n = devs->children; n; n = next) {
		bool keep = false;

		next = n->next;
		if (!is_pci_hostdev(n))
			continue;
		hostdev_pci(n, pci);
		for (int i = 0; i < vm->nr_pcidevs; i++)
			if (!strcmp(pci, vm->pcidevs[i]) && !present[i])
				keep = present[i] = true;
		if (!keep)
			drop(n);
	}
	for (int i = 0; i < vm->nr_pcidevs; i++) {
		char d[8], b[8], s[8], f[8];
		xmlNodePtr src, addr;

		if (present[i])
			continue;
		n = xmlNewChild(devs, NULL, BAD_CAST "hostdev", NULL);
		set_prop(n, "mode", "subsystem");
		set_prop(n, "type", "pci");
		set_prop(n, "managed", "yes");
		src = xmlNewChild(n, NULL, BAD_CAST "source", NULL);
		addr = xmlNewChild(src, NULL, BAD_CAST "address", NULL);
		pci_attrs(vm->pcidevs[i], d, b, s, f);
		set_prop(addr, "domain", d);
		set_prop(addr, "bus", b);
		set_prop(addr, "slot", s);
		set_prop(addr, "function", f);
	}
	free(present);

	if (vm->rt) {
		/* no memory balloon for a real-time VM */
		n = ensure_child(devs, "memballoon");
		while (n->children) {
			xmlNodePtr c = n->children;

			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
		while (n->properties)
			xmlRemoveProp(n->properties);
		set_prop(n, "model", "none");
	}
}

/* Is @n the guest services' channel (<channel><target type='virtio' name=GS_PORT/>)? */
static bool is_gs_channel(xmlNodePtr n)
{
	xmlNodePtr t = is_elem(n, "channel") ? child(n, "target") : NULL;
	char *name = t ? prop(t, "name") : NULL;
	bool yes = name && !strcmp(name, KVMRT_GS_CHANNEL);

	free(name);
	return yes;
}

/*
 * guest_services: a virtio-serial port named KVMRT_GS_CHANNEL whose host side is a unix
 * socket that QEMU creates in KVMRT_GS_SOCKET_DIR, named after the VM (kvmrt-gsd connects to
 * it); no guest services, no channel.
 */
static void apply_gs_channel(xmlNodePtr dom, const struct kvmrt_vm *vm)
{
	xmlNodePtr devs = child(dom, "devices"), n, next, ch = NULL, src, tgt;
	char path[512];

	for (n = devs ? devs->children : NULL; n; n = next) {
		next = n->next;
		if (!is_gs_channel(n))
			continue;
		if (vm->guest_services && vm->name && !ch)
			ch = n;	/* kept, with what libvirt added (address, alias) */
		else
			drop(n);
	}
	if (!vm->guest_services || !vm->name)
		return;
	devs = devs ? devs : xmlNewChild(dom, NULL, BAD_CAST "devices", NULL);
	snprintf(path, sizeof(path), "%s/%s.sock", KVMRT_GS_SOCKET_DIR, vm->name);
	if (!ch) {
		ch = xmlNewChild(devs, NULL, BAD_CAST "channel", NULL);
		tgt = xmlNewChild(ch, NULL, BAD_CAST "target", NULL);
		set_prop(tgt, "type", "virtio");
		set_prop(tgt, "name", KVMRT_GS_CHANNEL);
	}
	set_prop(ch, "type", "unix");
	src = ensure_child(ch, "source");
	set_prop(src, "mode", "bind");
	set_prop(src, "path", path);
}

static void set_or_drop_text(xmlNodePtr dom, const char *name, const char *text, bool one_line)
{
	xmlNodePtr n = child(dom, name);

	if (!text || !*text) {
		drop(n);
		return;
	}
	if (!n)
		n = xmlNewChild(dom, NULL, BAD_CAST name, NULL);
	if (one_line) {
		char *t = strdup(text);

		for (char *p = t; p && *p; p++)
			if (*p == '\n')
				*p = ' ';
		set_text(n, t ? t : text);
		free(t);
	} else {
		set_text(n, text);
	}
}

int kvmrt_domxml_apply(const char *xml, const struct kvmrt_vm *vm, const struct kvmrt_topo *topo,
		       char **out, bool *changed, char **err)
{
	struct kvmrt_placement *p = NULL;
	xmlNodePtr dom, n, cpu, topon;
	char *before = NULL, *uuid;
	xmlDocPtr doc;
	int ret = -EINVAL;

	*out = NULL;
	*err = NULL;
	doc = parse(xml, err);
	if (!doc)
		return -EINVAL;
	dom = xmlDocGetRootElement(doc);
	uuid = text_of(child(dom, "uuid"));
	if (uuid && strcasecmp(uuid, vm->uuid)) {
		*err = kvmrt_asprintf("the domain XML has UUID %s, not %s", uuid, vm->uuid);
		free(uuid);
		goto out;
	}
	free(uuid);
	before = serialize(doc);
	p = kvmrt_place(vm, topo);
	if (!before || !p) {
		ret = -ENOMEM;
		goto out;
	}

	if (vm->name && *vm->name)
		set_text(ensure_child(dom, "name"), vm->name);
	set_or_drop_text(dom, "title", vm->title, true);
	set_or_drop_text(dom, "description", vm->description, false);

	n = ensure_child(dom, "vcpu");
	{
		char buf[16];

		snprintf(buf, sizeof(buf), "%d", vm->nr_vcpus);
		set_text(n, buf);
	}
	xmlUnsetProp(n, BAD_CAST "current");
	xmlUnsetProp(n, BAD_CAST "cpuset");
	n = child(dom, "vcpus");
	if (n) {
		int count = 0;

		for (xmlNodePtr c = n->children; c; c = c->next)
			count += is_elem(c, "vcpu");
		if (count != vm->nr_vcpus)
			drop(n);
	}

	cpu = ensure_child(dom, "cpu");
	topon = ensure_child(cpu, "topology");
	set_prop_int(topon, "sockets", vm->sockets);
	if (xmlHasProp(topon, BAD_CAST "dies"))
		set_prop(topon, "dies", "1");
	if (xmlHasProp(topon, BAD_CAST "clusters"))
		set_prop(topon, "clusters", "1");
	set_prop_int(topon, "cores", vm->cores);
	set_prop_int(topon, "threads", vm->threads);

	apply_cputune(dom, vm, p);

	n = child(dom, "numatune");
	if (!xtrace_idset_empty(p->numa_nodes)) {
		char *s = xtrace_idset_format(p->numa_nodes);
		xmlNodePtr mem;

		n = n ? n : xmlNewChild(dom, NULL, BAD_CAST "numatune", NULL);
		mem = ensure_child(n, "memory");
		xmlUnsetProp(mem, BAD_CAST "placement");
		set_prop(mem, "mode", "strict");
		set_prop(mem, "nodeset", s ? s : "");
		free(s);
	} else if (n) {
		drop_children(n, "memory");
		drop_if_empty(n);
	}

	n = child(dom, "memoryBacking");
	if (p->rt_memory) {
		n = n ? n : xmlNewChild(dom, NULL, BAD_CAST "memoryBacking", NULL);
		ensure_child(n, "locked");
	} else if (n) {
		drop_children(n, "locked");
		drop_if_empty(n);
	}

	n = child(dom, "features");
	if (vm->hide_kvm) {
		xmlNodePtr kvm, hidden;

		n = n ? n : xmlNewChild(dom, NULL, BAD_CAST "features", NULL);
		kvm = ensure_child(n, "kvm");
		hidden = ensure_child(kvm, "hidden");
		set_prop(hidden, "state", "on");
	} else if (child(n, "kvm")) {
		xmlNodePtr kvm = child(n, "kvm");

		drop_children(kvm, "hidden");
		drop_if_empty(kvm);
	}

	apply_devices(dom, vm);
	apply_gs_channel(dom, vm);

	*out = serialize(doc);
	if (!*out) {
		ret = -ENOMEM;
		goto out;
	}
	*changed = strcmp(before, *out) != 0;
	ret = 0;
out:
	kvmrt_placement_free(p);
	free(before);
	xmlFreeDoc(doc);
	return ret;
}

/* --------------------------------------------------------------- reading */

static int add_pin(struct xtrace_idset *all, xmlNodePtr n)
{
	char *cs = prop(n, "cpuset");
	struct xtrace_idset *s = xtrace_idset_new();
	int ret = -ENOMEM;

	if (s && cs) {
		ret = xtrace_idset_parse(s, cs, NULL);
		if (!ret)
			ret = xtrace_idset_or(all, s);
	} else if (s) {
		ret = 0;
	}
	xtrace_idset_free(s);
	free(cs);
	return ret;
}

void kvmrt_domsettings_release(struct kvmrt_domsettings *s)
{
	for (int i = 0; i < KA_NR; i++) {
		free(s->val[i]);
		s->val[i] = NULL;
	}
}

int kvmrt_domxml_read(const char *xml, const struct kvmrt_topo *topo,
		      struct kvmrt_domsettings *s, char **err)
{
	struct xtrace_idset *cpus = xtrace_idset_new();
	xmlNodePtr dom, n, tune;
	struct sbuf b = { 0 };
	bool rt = false, locked;
	xmlDocPtr doc;
	char *uuid, *t;
	long nr = 1;
	int ret = -ENOMEM;

	memset(s, 0, sizeof(*s));
	*err = NULL;
	if (!cpus)
		goto out_sets;
	doc = parse(xml, err);
	if (!doc) {
		ret = -EINVAL;
		goto out_sets;
	}
	dom = xmlDocGetRootElement(doc);
	uuid = text_of(child(dom, "uuid"));
	if (!uuid || !kvmrt_valid_uuid(uuid)) {
		*err = kvmrt_asprintf("the domain XML has no valid <uuid>");
		free(uuid);
		ret = -EINVAL;
		goto out;
	}
	snprintf(s->uuid, sizeof(s->uuid), "%s", uuid);
	for (char *p = s->uuid; *p; p++)
		*p = tolower((unsigned char)*p);
	free(uuid);

	s->val[KA_NAME] = text_of(child(dom, "name"));
	s->val[KA_TITLE] = text_of(child(dom, "title"));
	s->val[KA_DESCRIPTION] = text_of(child(dom, "description"));
	t = text_of(child(dom, "vcpu"));
	if (t && kvmrt_parse_int(t, 1, 4096, &nr))
		nr = 1;
	free(t);
	s->val[KA_NR_VCPUS] = kvmrt_asprintf("%ld", nr);

	n = child(child(dom, "cpu"), "topology");
	if (n) {
		char *v[4] = { prop(n, "sockets"), prop(n, "dies"), prop(n, "cores"),
			       prop(n, "threads") };
		long so = v[0] ? atol(v[0]) : 1, di = v[1] ? atol(v[1]) : 1;
		long co = v[2] ? atol(v[2]) : 1, th = v[3] ? atol(v[3]) : 1;

		if (so * di == 1 && th == 1 && co == nr)
			s->val[KA_CPU_TOPOLOGY] = strdup("auto");
		else
			s->val[KA_CPU_TOPOLOGY] = kvmrt_asprintf("%ld,%ld,%ld", so * di, co, th);
		for (int i = 0; i < 4; i++)
			free(v[i]);
	} else {
		s->val[KA_CPU_TOPOLOGY] = strdup("auto");
	}

	tune = child(dom, "cputune");
	for (n = tune ? tune->children : NULL; n; n = n->next) {
		if (is_elem(n, "vcpupin") || is_elem(n, "emulatorpin") ||
		    is_elem(n, "iothreadpin")) {
			if (add_pin(cpus, n) == -ENOMEM)
				goto out;
		} else if (is_elem(n, "vcpusched")) {
			char *sched = prop(n, "scheduler");

			rt |= sched && (!strcmp(sched, "fifo") || !strcmp(sched, "rr"));
			free(sched);
		}
	}
	if (xtrace_idset_empty(cpus) && child(dom, "vcpu") &&
	    add_pin(cpus, child(dom, "vcpu")) == -ENOMEM)
		goto out;
	s->val[KA_CPUSET] = xtrace_idset_format(cpus);
	s->val[KA_RT] = strdup(rt ? "true" : "false");

	locked = child(child(dom, "memoryBacking"), "locked") != NULL;
	s->val[KA_RT_MEMORY] = strdup(locked == rt ? "auto" : locked ? "true" : "false");

	n = child(child(dom, "numatune"), "memory");
	{
		char *ns = prop(n, "nodeset"), *pl = prop(n, "placement");
		struct xtrace_idset *want = xtrace_idset_new(), *have = xtrace_idset_new();

		if (!want || !have) {
			xtrace_idset_free(want);
			xtrace_idset_free(have);
			free(ns);
			free(pl);
			goto out;
		}
		if (topo)
			kvmrt_topo_nodes_of(topo, cpus, want);
		if (ns && !xtrace_idset_parse(have, ns, NULL))
			s->val[KA_NUMATUNE] = xtrace_idset_equal(have, want) ? strdup("auto") :
					      xtrace_idset_format(have);
		else if ((pl && !strcmp(pl, "auto")) || xtrace_idset_empty(cpus))
			s->val[KA_NUMATUNE] = strdup("auto");
		else
			s->val[KA_NUMATUNE] = strdup("");
		xtrace_idset_free(want);
		xtrace_idset_free(have);
		free(ns);
		free(pl);
	}

	n = child(child(child(dom, "features"), "kvm"), "hidden");
	{
		char *st = prop(n, "state");

		s->val[KA_HIDE_KVM] = strdup(st && !strcmp(st, "on") ? "true" : "false");
		free(st);
	}

	sb_puts(&b, "");
	for (n = child(dom, "devices") ? child(dom, "devices")->children : NULL; n; n = n->next) {
		char pci[13];

		if (!is_pci_hostdev(n))
			continue;
		hostdev_pci(n, pci);
		if (*pci)
			sb_printf(&b, "%s%s", b.len ? "," : "", pci);
	}
	s->val[KA_PCIDEVS] = sb_steal(&b);

	ret = 0;
	for (int i = 0; i < KA_NR; i++)
		if (i != KA_AUTOSTART && i != KA_DISABLED && i != KA_COMMENTS &&
		    i != KA_GUEST_SERVICES && !s->val[i])
			ret = -ENOMEM;
out:
	xmlFreeDoc(doc);
out_sets:
	xtrace_idset_free(cpus);
	if (ret)
		kvmrt_domsettings_release(s);
	return ret;
}
