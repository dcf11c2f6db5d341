/*
 * smtp_ehlo.h: the service extensions a server announces in its EHLO reply
 * (RFC 5321 4.1.1.1, 2.2.2).
 *
 * Pure: reads a parsed reply, does no I/O, keeps no globals, allocates nothing.
 * It only records what the server offers; whether to use it (refusing AUTH
 * PLAIN without TLS, requiring STARTTLS) is the session's decision. After
 * STARTTLS the capabilities must be parsed again from the new EHLO reply
 * (RFC 3207 4.2): nothing learnt before the handshake may be trusted.
 */
#ifndef SMTP_EHLO_H
#define SMTP_EHLO_H

#include <stdbool.h>
#include <stdint.h>

#include "smtp_reply.h"

/* SASL mechanisms (RFC 4954) this client knows; any other is ignored. */
enum {
	SMTP_AUTH_PLAIN = 1u << 0,     /* RFC 4616 */
	SMTP_AUTH_LOGIN = 1u << 1,     /* draft-murchison-sasl-login */
	SMTP_AUTH_CRAM_MD5 = 1u << 2,  /* RFC 2195 */
	SMTP_AUTH_XOAUTH2 = 1u << 3,   /* Google/Microsoft OAuth 2.0 bearer */
	SMTP_AUTH_OAUTHBEARER = 1u << 4 /* RFC 7628 */
};

/* Room for the mechanism names a server announces, as quoted in error messages. */
#define SMTP_CAPS_AUTH_TEXT_MAX 96

typedef struct {
	bool pipelining;           /* RFC 2920 */
	bool starttls;             /* RFC 3207 */
	bool eightbitmime;         /* RFC 6152 */
	bool smtputf8;             /* RFC 6531 */
	bool enhancedstatuscodes;  /* RFC 2034 */
	bool chunking;             /* RFC 3030 */
	bool dsn;                  /* RFC 3461 */
	bool size_announced;       /* RFC 1870 SIZE */
	uint64_t size;             /* its limit in octets; 0 = none stated (or unreadable) */
	unsigned auth;             /* SMTP_AUTH_* offered, from "AUTH" and the old "AUTH=" lines */
	bool auth_announced;       /* an AUTH line was there, whatever its mechanisms */
	char auth_offered[SMTP_CAPS_AUTH_TEXT_MAX]; /* every mechanism named, printable, for messages */
} smtp_caps_t;

/* Resets caps, then fills it from ehlo_reply (borrowed, may be NULL). Line 1 is
 * the server's domain and greeting, and is ignored. Keywords and mechanisms are
 * compared without regard to case (RFC 5321 2.4); unknown ones are ignored. */
void smtp_caps_parse(smtp_caps_t *caps, const smtp_reply_t *ehlo_reply);

#endif
