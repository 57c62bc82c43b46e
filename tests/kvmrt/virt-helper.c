// SPDX-License-Identifier: GPL-2.0
/*
 * virt-helper: the few libvirt operations the integration tests need without
 * virsh: virt-helper URI define FILE | dumpxml NAME | undefine NAME | list
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "kvmrt.h"

static void silent(void *u, virErrorPtr e)
{
	(void)u;
	(void)e;
}

int main(int argc, char **argv)
{
	virConnectPtr c;
	virDomainPtr d = NULL;
	int ret = 1;

	if (argc < 3 || (strcmp(argv[2], "list") && argc < 4)) {
		fprintf(stderr, "usage: virt-helper URI define FILE | dumpxml NAME | undefine NAME | start NAME | destroy NAME | list\n");
		return 2;
	}
	virSetErrorFunc(NULL, silent);
	c = virConnectOpen(argv[1]);
	if (!c) {
		fprintf(stderr, "virt-helper: %s: %s\n", argv[1], virGetLastErrorMessage());
		return 1;
	}
	if (!strcmp(argv[2], "define")) {
		char *xml = kvmrt_read_file(argv[3], NULL);

		d = xml ? virDomainDefineXML(c, xml) : NULL;
		free(xml);
		ret = !d;
	} else if (!strcmp(argv[2], "dumpxml")) {
		char *xml;

		d = virDomainLookupByName(c, argv[3]);
		xml = d ? virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE) : NULL;
		if (xml)
			fputs(xml, stdout);
		ret = !xml;
		free(xml);
	} else if (!strcmp(argv[2], "undefine")) {
		d = virDomainLookupByName(c, argv[3]);
		ret = !d || virDomainUndefine(d) < 0;
	} else if (!strcmp(argv[2], "start")) {
		d = virDomainLookupByName(c, argv[3]);
		ret = !d || virDomainCreate(d) < 0;
	} else if (!strcmp(argv[2], "destroy")) {
		d = virDomainLookupByName(c, argv[3]);
		ret = !d || virDomainDestroy(d) < 0;
	} else if (!strcmp(argv[2], "list")) {
		virDomainPtr *doms;
		int n = virConnectListAllDomains(c, &doms, 0);

		for (int i = 0; i < n; i++) {
			printf("%s\n", virDomainGetName(doms[i]));
			virDomainFree(doms[i]);
		}
		if (n >= 0)
			free(doms);
		ret = n < 0;
	} else {
		fprintf(stderr, "virt-helper: unknown command '%s'\n", argv[2]);
		ret = 2;
	}
	if (ret == 1)
		fprintf(stderr, "virt-helper: %s: %s\n", argv[2], virGetLastErrorMessage());
	if (d)
		virDomainFree(d);
	virConnectClose(c);
	return ret;
}
