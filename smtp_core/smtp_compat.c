/* smtp_compat.c: see smtp_compat.h. */
#include "smtp_compat.h"

#include <string.h>

#ifdef _WIN32
# include <winsock2.h>
# include <windows.h>

uint64_t smtp_clock_ms(void)
{
	return (uint64_t)GetTickCount64();
}

int smtp_gmtime(time_t t, struct tm *out)
{
	return gmtime_s(out, &t) == 0 ? 0 : -1;
}

int smtp_hostname(char *buf, size_t cap)
{
	DWORD n = (DWORD)cap;
	if (cap == 0) {
		return -1;
	}
	if (!GetComputerNameExA(ComputerNameDnsFullyQualified, buf, &n)) {
		return -1;
	}
	return 0;
}
#else
# include <unistd.h>

uint64_t smtp_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int smtp_gmtime(time_t t, struct tm *out)
{
	return gmtime_r(&t, out) ? 0 : -1;
}

int smtp_hostname(char *buf, size_t cap)
{
	if (cap == 0 || gethostname(buf, cap) != 0) {
		return -1;
	}
	buf[cap - 1] = '\0';
	return 0;
}
#endif
