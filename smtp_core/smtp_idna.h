/*
 * smtp_idna.h: UTF-8 domain labels to A-labels (IDNA 2008, RFC 5890/5891),
 * with Punycode (RFC 3492) written here.
 *
 * Pure: no I/O, no globals, no allocation. It is not a full IDNA 2008
 * implementation: the Unicode derived-property tables (RFC 5892) and UTS 46
 * mapping are out of scope. Instead it knows one exactly stated subset of code
 * points it can check without them, and sorts every other code point into
 * "never valid in a label" (refused) or "not checked here" (which only an
 * SMTPUTF8 relay may carry, as written). The subset, all IDNA 2008 PVALID and
 * in NFC whatever their order, so a label built from them needs no
 * normalisation check:
 *   ASCII letters (upper case folded), digits and '-';
 *   Latin-1 letters U+00DF-U+00F6, U+00F8-U+00FF;
 *   Latin Extended-A lower-case letters, except the compatibility forms
 *     U+0133, U+0140, U+0149, U+017F; U+01A1, U+01B0 (Vietnamese o/u horn);
 *   Latin Extended Additional U+1EA1-U+1EF9, odd code points (Vietnamese);
 *   Greek U+0390, U+03AC-U+03CE; Cyrillic U+0430-U+045F;
 *   Hiragana U+3041-U+3096, U+309D-U+309E; Katakana U+30A1-U+30FA, U+30FC-U+30FE;
 *   CJK Unified Ideographs U+3400-U+4DBF, U+4E00-U+9FFF; Hangul U+AC00-U+D7A3.
 * The upper-case forms of those Latin, Greek and Cyrillic letters are mapped to
 * lower case first (RFC 5895 2's case mapping, limited to these pairs).
 * Never valid (refused): controls, spaces, symbols and punctuation of Latin-1,
 * U+00D7, U+00F7, U+0130, U+0132, U+013F, combining marks U+0300-U+036F (write
 * the precomposed letter: NFC), General Punctuation to Miscellaneous Symbols
 * U+2000-U+2BFF (zero-width joiners included), CJK symbols U+3000-U+303F (the
 * ideographic full stop is not a dot here), private use, variation selectors,
 * half/full-width forms U+FF00-U+FFEF, specials and noncharacters, tags.
 */
#ifndef SMTP_IDNA_H
#define SMTP_IDNA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 1035 2.3.4 / RFC 5890 2.3.2.1: a label (the A-label) is at most 63 octets. */
#define SMTP_IDNA_LABEL_MAX 63
/* Code points one label may hold before conversion: each takes at least one octet of the A-label. */
#define SMTP_IDNA_CP_MAX 63

typedef enum {
	SMTP_IDNA_OK = 0,        /* the A-label ("xn--...", lower case) is in out */
	SMTP_IDNA_UNCHECKED,     /* valid UTF-8 with nothing never valid, but *cp (the first such)
	                            lies outside the checked subset: usable only as written, with SMTPUTF8 */
	SMTP_IDNA_DISALLOWED,    /* *cp can never be part of a domain label */
	SMTP_IDNA_BAD_UTF8,      /* not well-formed UTF-8 (RFC 3629) */
	SMTP_IDNA_BAD_HYPHEN,    /* a '-' first or last, or "--" in the 3rd and 4th position (RFC 5891 4.2.3.1) */
	SMTP_IDNA_TOO_LONG       /* the A-label would exceed SMTP_IDNA_LABEL_MAX octets */
} smtp_idna_result_t;

/* Length of the well-formed UTF-8 sequence at s[0..n) (RFC 3629 4: shortest
 * form, no surrogates, at most U+10FFFF) with its code point in *cp, or 0. n > 0. */
size_t smtp_utf8_next(const char *s, size_t n, uint32_t *cp);

/* RFC 3492 6.3: encodes cps[0..n) into out (capacity cap, not NUL-terminated),
 * basic code points first. Returns false when out is too small or a value
 * overflows; *out_len is the length written. Letters keep their case. */
bool smtp_punycode_encode(const uint32_t *cps, size_t n, char *out, size_t cap, size_t *out_len);

/* RFC 3492 6.2: decodes in[0..len) into out (room for cap code points).
 * Returns false for a bad digit, an overflow, a non-basic octet before the
 * last '-', a decoded value that is basic, a surrogate or past U+10FFFF, or
 * too little room; *n is the count written. */
bool smtp_punycode_decode(const char *in, size_t len, uint32_t *out, size_t cap, size_t *n);

/* Converts one label of a domain, in UTF-8 with at least one non-ASCII
 * character, to its A-label in out (cap octets; not NUL-terminated; *out_len
 * its length). On SMTP_IDNA_UNCHECKED and SMTP_IDNA_DISALLOWED, *cp names the
 * code point. */
smtp_idna_result_t smtp_idna_to_alabel(const char *label, size_t len, char *out, size_t cap, size_t *out_len,
                                       uint32_t *cp);

#endif
