/*
 * fuzz_addr.c: libFuzzer target for the address parser (smtp_addr.c).
 *
 * The input is parsed as an address list (into a list that already holds one
 * address) and as a single mailbox. Invariants checked on every input:
 *   - every address returned is 1..254 printable ASCII octets with
 *     a local part of at most 64; it has no CR, LF, NUL or
 *     space outside a quoted local part, and exactly one '@' outside quotes;
 *   - each address parses again, as a mailbox, to itself (canonical form);
 *   - the list holds no two equal addresses (local part exact, domain
 *     case-insensitive), and the address that was there first is still first;
 *   - on failure the list is as before, the error is SMTP_E_ARG at stage
 *     message, and its message is non-empty printable ASCII (input is quoted
 *     sanitised);
 *   - a mailbox that parses also parses as a list of exactly that address.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_addr.h"
#include "smtp_idna.h"

#include "fuzz_check.h"

static void check_error(const smtp_error_t *err, smtp_rc_t rc)
{
	size_t i;

	REQUIRE(rc == SMTP_E_ARG);
	REQUIRE(err->rc == SMTP_E_ARG && err->stage == SMTP_STAGE_MESSAGE);
	REQUIRE(err->message[0] != '\0');
	for (i = 0; err->message[i] != '\0'; i++) {
		unsigned char c = (unsigned char)err->message[i];
		REQUIRE(c >= 0x20 && c < 0x7f);
	}
}

/* Returns the offset of the one unquoted '@'. */
static size_t check_addr(const char *a)
{
	size_t n = strlen(a), i, at = 0, ats = 0;
	bool quoted = false;

	REQUIRE(n >= 1 && n <= 254);   /* RFC 5321 4.5.3.1.3 */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a[i];
		if (c >= 0x80) {
			/* RFC 6531: well-formed UTF-8 only, no C1 control. */
			uint32_t cp;
			size_t k = smtp_utf8_next(a + i, n - i, &cp);
			REQUIRE(k >= 2 && cp >= 0xa0);
			i += k - 1;
			continue;
		}
		REQUIRE(c >= 0x20 && c < 0x7f);
		if (quoted) {
			if (c == '\\') {
				i++;
				REQUIRE(i < n);
				continue;
			}
			if (c == '"') {
				quoted = false;
			}
			continue;
		}
		REQUIRE(c != ' ' && c != '\\');
		if (c == '"') {
			/* Only a whole quoted local part, starting the address. */
			REQUIRE(i == 0);
			quoted = true;
		} else if (c == '@') {
			at = i;
			ats++;
		}
	}
	REQUIRE(!quoted);
	REQUIRE(ats == 1);
	REQUIRE(at <= 64 && at + 1 < n);   /* RFC 5321 4.5.3.1.1 */
	return at;
}

static void check_canonical(const char *a)
{
	char *again = NULL;
	smtp_error_t err;

	REQUIRE(smtp_addr_parse_mailbox(a, strlen(a), &again, &err) == SMTP_OK);
	REQUIRE(again != NULL && strcmp(again, a) == 0);
	free(again);
}

static bool same(const char *a, const char *b)
{
	const char *da = strrchr(a, '@'), *db = strrchr(b, '@');
	size_t i;

	if (da - a != db - b || memcmp(a, b, (size_t)(da - a)) != 0 || strlen(da) != strlen(db)) {
		return false;
	}
	for (i = 0; da[i] != '\0'; i++) {
		char x = da[i], y = db[i];
		x = (x >= 'A' && x <= 'Z') ? (char)(x + 32) : x;
		y = (y >= 'A' && y <= 'Z') ? (char)(y + 32) : y;
		if (x != y) {
			return false;
		}
	}
	return true;
}

/* RFC 3492: the input's UTF-8 code points (as many as fit a label) survive
 * Punycode both ways, and an A-label smtp_idna makes is LDH and at most 63
 * octets. */
static void check_punycode(const char *text, size_t size)
{
	uint32_t cps[SMTP_IDNA_CP_MAX], back[SMTP_IDNA_CP_MAX];
	char puny[8 * SMTP_IDNA_CP_MAX], alabel[SMTP_IDNA_LABEL_MAX];
	size_t n = 0, i = 0, len, m, k;

	while (i < size && n < SMTP_IDNA_CP_MAX) {
		k = smtp_utf8_next(text + i, size - i, &cps[n]);
		if (k == 0) {
			break;
		}
		i += k;
		n++;
	}
	if (smtp_punycode_encode(cps, n, puny, sizeof(puny), &len)) {
		REQUIRE(smtp_punycode_decode(puny, len, back, SMTP_IDNA_CP_MAX, &m));
		REQUIRE(m == n && memcmp(back, cps, n * sizeof(uint32_t)) == 0);
	}
	/* smtp_idna_to_alabel() is for labels with a non-ASCII character. */
	for (k = 0; k < n && cps[k] < 0x80; k++) {
	}
	if (k < n && smtp_idna_to_alabel(text, i, alabel, sizeof(alabel), &len, &cps[0]) == SMTP_IDNA_OK) {
		REQUIRE(len >= 5 && len <= SMTP_IDNA_LABEL_MAX && memcmp(alabel, "xn--", 4) == 0);
		for (k = 0; k < len; k++) {
			REQUIRE((alabel[k] >= 'a' && alabel[k] <= 'z') || (alabel[k] >= '0' && alabel[k] <= '9')
			        || alabel[k] == '-');
		}
	}
	/* Any text decodes or is refused, never overruns. */
	(void)smtp_punycode_decode(text, size, back, SMTP_IDNA_CP_MAX, &m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	smtp_addr_list_t l;
	smtp_error_t err;
	smtp_rc_t rc;
	char *mbox = NULL;
	size_t i, j;

	smtp_addr_list_init(&l);
	REQUIRE(smtp_addr_list_add(&l, "first@sentinel.example", 22, &err) == SMTP_OK);
	rc = smtp_addr_list_parse(&l, text, size, &err);
	REQUIRE(l.count >= 1 && strcmp(l.items[0], "first@sentinel.example") == 0);
	if (rc != SMTP_OK) {
		check_error(&err, rc);
		REQUIRE(l.count == 1);
	}
	for (i = 0; i < l.count; i++) {
		check_addr(l.items[i]);
		check_canonical(l.items[i]);
		for (j = 0; j < i; j++) {
			REQUIRE(!same(l.items[i], l.items[j]));
		}
	}

	rc = smtp_addr_parse_mailbox(text, size, &mbox, &err);
	if (rc == SMTP_OK) {
		smtp_addr_list_t one;
		REQUIRE(mbox != NULL);
		check_addr(mbox);
		check_canonical(mbox);
		smtp_addr_list_init(&one);
		REQUIRE(smtp_addr_list_parse(&one, text, size, &err) == SMTP_OK);
		REQUIRE(one.count == 1 && strcmp(one.items[0], mbox) == 0);
		smtp_addr_list_destroy(&one);
		free(mbox);
	} else {
		REQUIRE(mbox == NULL);
		check_error(&err, rc);
	}
	smtp_addr_list_destroy(&l);
	check_punycode(text, size);
	return 0;
}
