// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper: set CLOCK_REALTIME to the value it has, as a clock step would
 * (the time moves by the few nanoseconds between the read and the set), so a
 * recorder's "clock was set" detection can be tested without changing the time.
 */
#include <stdio.h>
#include <time.h>

int main(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if (clock_settime(CLOCK_REALTIME, &now)) {
		perror("clock_settime");
		return 1;
	}
	return 0;
}
