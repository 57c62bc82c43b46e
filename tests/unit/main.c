// SPDX-License-Identifier: LGPL-2.1
/*
 * xtrace unit tests: one CUnit suite per library module, run with the basic
 * interface (tests/cunit: the runner and helpers both unit binaries share).
 */
#include "tu.h"

int add_cpuset_suite(void);
int add_clock_suite(void);
int add_clockfit_suite(void);
int add_meta_suite(void);
int add_heap_suite(void);
int add_reader_suite(void);
int add_merge_suite(void);
int add_view_suite(void);
int add_dirstream_suite(void);
int add_names_suite(void);
int add_budget_suite(void);

int main(void)
{
	static const tu_suite_fn suites[] = {
		add_cpuset_suite,
		add_clock_suite,
		add_clockfit_suite,
		add_meta_suite,
		add_heap_suite,
		add_reader_suite,
		add_merge_suite,
		add_view_suite,
		add_dirstream_suite,
		add_names_suite,
		add_budget_suite,
	};

	return tu_main("xtrace-unit", suites, sizeof(suites) / sizeof(suites[0]));
}
