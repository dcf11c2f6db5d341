/*
 * smtp_transport.h: the only way smtp_core does I/O.
 *
 * The session never touches a socket: it calls these functions through a
 * vtable. The PHP glue implements them on PHP streams (TCP, and TLS through
 * ext/openssl); the C tests implement them in memory, replaying a server
 * script. Deadlines are absolute times on smtp_clock_ms().
 */
#ifndef SMTP_TRANSPORT_H
#define SMTP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_error.h"

typedef struct smtp_transport {
	void *ctx;
	/* Reads at most cap (>0) bytes, waiting no later than deadline_ms.
	 * SMTP_OK with *got > 0; SMTP_E_CLOSED at end of stream; SMTP_E_TIMEOUT; SMTP_E_IO/TLS. */
	smtp_rc_t (*read)(void *ctx, char *buf, size_t cap, size_t *got, uint64_t deadline_ms,
	                  smtp_error_t *err);
	/* Writes all len bytes or fails (SMTP_E_TIMEOUT, SMTP_E_CLOSED, SMTP_E_IO). */
	smtp_rc_t (*write)(void *ctx, const char *buf, size_t len, uint64_t deadline_ms,
	                   smtp_error_t *err);
	/* Turns the connection into a TLS client connection, verifying the peer as
	 * configured by the transport's owner (SMTP_E_TLS on any failure). */
	smtp_rc_t (*starttls)(void *ctx, uint64_t deadline_ms, smtp_error_t *err);
	/* True when bytes can be read without waiting: used to refuse plaintext a
	 * server slipped in after its 220 to STARTTLS. May be NULL. */
	bool (*pending)(void *ctx);
} smtp_transport_t;

#endif
