/*
 * smtp_compat.h: the only place where smtp_core touches something that differs
 * between POSIX systems and Windows. Everything else in smtp_core is ISO C99
 * plus OpenSSL's libcrypto.
 */
#ifndef SMTP_COMPAT_H
#define SMTP_COMPAT_H

#include <stdint.h>
#include <time.h>

/* Milliseconds on a clock that never jumps (not wall time); for deadlines. */
uint64_t smtp_clock_ms(void);

/* Broken-down UTC time; returns 0 on success. */
int smtp_gmtime(time_t t, struct tm *out);

/* This host's name into buf (NUL-terminated); returns 0 on success. */
int smtp_hostname(char *buf, size_t cap);

#endif
