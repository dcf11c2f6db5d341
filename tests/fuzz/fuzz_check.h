/*
 * fuzz_check.h: what every fuzz target here shares. An invariant that does not
 * hold traps, so libFuzzer keeps the input; a deterministic generator, so a
 * crash reproduces from its input alone.
 */
#ifndef SMTPMAIL_FUZZ_CHECK_H
#define SMTPMAIL_FUZZ_CHECK_H

#include <stdint.h>

/* RFC 5321 4.5.3.1.6: a text line is at most 1000 octets with its CRLF. A
 * number, not SMTP_TEXT_LINE_MAX: the checker must not move with the code. */
#define TEXT_LINE_LIMIT 998

#define REQUIRE(cond) do { if (!(cond)) { __builtin_trap(); } } while (0)

/* xorshift32, seeded from the input. */
static inline uint32_t rng_next(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

#endif
