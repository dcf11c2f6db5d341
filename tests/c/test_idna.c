/* test_idna.c: Punycode (RFC 3492) and UTF-8 labels to A-labels (smtp_core/smtp_idna.c). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "smtp_idna.h"

/* RFC 3492 7.1 sample strings: code points and their Punycode. */
typedef struct {
	const char *name;
	uint32_t cps[24];
	size_t n;
	const char *puny;
} sample_t;

static const sample_t SAMPLES[] = {
	{ "(A) Arabic (Egyptian)", { 0x0644, 0x064A, 0x0647, 0x0645, 0x0627, 0x0628, 0x062A, 0x0643, 0x0644, 0x0645,
	  0x0648, 0x0634, 0x0639, 0x0631, 0x0628, 0x064A, 0x061F }, 17, "egbpdaj6bu4bxfgehfvwxn" },
	{ "(B) Chinese (simplified)", { 0x4ED6, 0x4EEC, 0x4E3A, 0x4EC0, 0x4E48, 0x4E0D, 0x8BF4, 0x4E2D, 0x6587 }, 9,
	  "ihqwcrb4cv8a8dqg056pqjye" },
	{ "(C) Chinese (traditional)", { 0x4ED6, 0x5011, 0x7232, 0x4EC0, 0x9EBD, 0x4E0D, 0x8AAA, 0x4E2D, 0x6587 }, 9,
	  "ihqwctvzc91f659drss3x8bo0yb" },
	{ "(L) 3<nen>B<gumi><kinpachi><sensei>", { 0x0033, 0x5E74, 0x0042, 0x7D44, 0x91D1, 0x516B, 0x5148, 0x751F }, 8,
	  "3B-ww4c5e180e575a65lsy2b" },
	{ "(P) Maji<de>Koi<suru>5<byou><mae>", { 0x004D, 0x0061, 0x006A, 0x0069, 0x3067, 0x004B, 0x006F, 0x0069,
	  0x3059, 0x308B, 0x0035, 0x79D2, 0x524D }, 13, "MajiKoi5-783gue6qz075azm5e" },
	{ "(Q) <pafii>de<runba>", { 0x30D1, 0x30D5, 0x30A3, 0x30FC, 0x0064, 0x0065, 0x30EB, 0x30F3, 0x30D0 }, 9,
	  "de-jg4avhby1noc0d" },
	{ "(R) <sono><supiido><de>", { 0x305D, 0x306E, 0x30B9, 0x30D4, 0x30FC, 0x30C9, 0x3067 }, 7, "d9juau41awczczp" },
	{ "(S) -> $1.00 <-", { 0x2D, 0x3E, 0x20, 0x24, 0x31, 0x2E, 0x30, 0x30, 0x20, 0x3C, 0x2D }, 11, "-> $1.00 <--" },
};

static void test_rfc3492_samples(void)
{
	size_t i;

	for (i = 0; i < sizeof(SAMPLES) / sizeof(SAMPLES[0]); i++) {
		const sample_t *s = &SAMPLES[i];
		char out[64];
		uint32_t back[64];
		size_t len = 99, n = 99;

		CHECK(smtp_punycode_encode(s->cps, s->n, out, sizeof(out), &len));
		CHECK_MEM(out, len, s->puny, strlen(s->puny));
		CHECK(smtp_punycode_decode(s->puny, strlen(s->puny), back, 64, &n));
		CHECK_INT(n, s->n);
		CHECK(n == s->n && memcmp(back, s->cps, n * sizeof(uint32_t)) == 0);
		/* One octet short: refused, never written past. */
		CHECK(!smtp_punycode_encode(s->cps, s->n, out, strlen(s->puny) - 1, &len));
		CHECK(!smtp_punycode_decode(s->puny, strlen(s->puny), back, s->n - 1, &n));
	}
	if (check_failed > 0) {
		fprintf(stderr, "  (RFC 3492 7.1 samples)\n");
	}
}

static void test_punycode_decode_errors(void)
{
	uint32_t out[64];
	size_t n;

	/* A digit sequence cut short, a character that is no digit, a basic value. */
	CHECK(!smtp_punycode_decode("egbpdaj6bu4bxfgehfvwx", 21, out, 64, &n) || n != 17);
	CHECK(!smtp_punycode_decode("bcher-kv!", 9, out, 64, &n));
	CHECK(!smtp_punycode_decode("b\xc3\xbc-kva", 7, out, 64, &n));
	CHECK(!smtp_punycode_decode("99999999999", 11, out, 64, &n));
	/* "a" decodes to 0x80 + 0 = U+0080; "9999a" to U+737B5; "99999a" to
	 * U+48A3C1, past U+10FFFF, refused; and far past 32 bits, refused. */
	CHECK(smtp_punycode_decode("a", 1, out, 64, &n) && n == 1 && out[0] == 0x80);
	CHECK(smtp_punycode_decode("9999a", 5, out, 64, &n) && n == 1 && out[0] == 0x737b5);
	CHECK(!smtp_punycode_decode("99999a", 6, out, 64, &n));
	CHECK(!smtp_punycode_decode("9999999999a", 11, out, 64, &n));
}

/* label (UTF-8) converts to want. */
static void alabel_ok(int line, const char *label, const char *want)
{
	char out[SMTP_IDNA_LABEL_MAX];
	size_t len = 0;
	uint32_t cp = 1;
	smtp_idna_result_t r = smtp_idna_to_alabel(label, strlen(label), out, sizeof(out), &len, &cp);

	CHECK_INT(r, SMTP_IDNA_OK);
	CHECK_MEM(out, len, want, strlen(want));
	if (r != SMTP_IDNA_OK || len != strlen(want)) {
		fprintf(stderr, "  line %d\n", line);
	}
}

static void alabel_bad(int line, const char *label, smtp_idna_result_t want, uint32_t want_cp)
{
	char out[SMTP_IDNA_LABEL_MAX];
	size_t len = 99;
	uint32_t cp = 1;
	smtp_idna_result_t r = smtp_idna_to_alabel(label, strlen(label), out, sizeof(out), &len, &cp);

	CHECK_INT(r, want);
	CHECK_INT(len, 0);
	if (want == SMTP_IDNA_UNCHECKED || want == SMTP_IDNA_DISALLOWED) {
		CHECK_INT(cp, want_cp);
	}
	if (r != want) {
		fprintf(stderr, "  line %d\n", line);
	}
}

#define ALABEL_OK(l, w) alabel_ok(__LINE__, l, w)
#define ALABEL_BAD(l, r, cp) alabel_bad(__LINE__, l, r, cp)

static void test_to_alabel(void)
{
	ALABEL_OK("b\xc3\xbc" "cher", "xn--bcher-kva");
	/* Upper case of the checked letters is folded first: BÜCHER, Ÿ, Ā, Ĺ, Ž, Ω, Д, Ѐ, Ạ. */
	ALABEL_OK("B\xc3\x9c" "CHER", "xn--bcher-kva");
	ALABEL_OK("stra\xc3\x9f" "e", "xn--strae-oqa");   /* ß is PVALID in IDNA 2008 */
	ALABEL_OK("\xce\xb4\xce\xbf\xce\xba\xce\xb9\xce\xbc\xce\xae", "xn--jxalpdlp");          /* δοκιμή */
	ALABEL_OK("\xce\x94\xce\x9f\xce\x9a\xce\x99\xce\x9c\xce\xae", "xn--jxalpdlp");          /* ΔΟΚΙΜή */
	ALABEL_OK("\xd0\xb8\xd1\x81\xd0\xbf\xd1\x8b\xd1\x82\xd0\xb0\xd0\xbd\xd0\xb8\xd0\xb5", "xn--80akhbyknj4f");
	ALABEL_OK("\xd0\x98\xd0\xa1\xd0\x9f\xd0\xab\xd0\xa2\xd0\x90\xd0\x9d\xd0\x98\xd0\x95", "xn--80akhbyknj4f");
	ALABEL_OK("\xe4\xbe\x8b\xe5\xad\x90", "xn--fsqu00a");                                  /* 例子 */
	ALABEL_OK("\xe5\xb9\xbf\xe5\x91\x8a", "xn--4rr70v");                                   /* 广告 */
	ALABEL_OK("ti\xe1\xba\xbfng-vi\xe1\xbb\x87t", "xn--ting-vit-e50d7c");                  /* tiếng-việt */
	ALABEL_OK("\xc4\x9f", "xn--tea");                                                      /* ğ */
	ALABEL_OK("\xc4\x9e", "xn--tea");                                                      /* Ğ */
	/* Outside the checked subset: Arabic (needs the Bidi rule), Devanagari. */
	ALABEL_BAD("\xd9\x85\xd8\xab\xd8\xa7\xd9\x84", SMTP_IDNA_UNCHECKED, 0x645);
	ALABEL_BAD("a\xe0\xa4\x95", SMTP_IDNA_UNCHECKED, 0x915);
	/* Never valid: zero width space, NBSP, a combining acute, ŀ, ideographic full
	 * stop, fullwidth A, ASCII that is no LDH; anywhere in the label, even after
	 * an unchecked one. */
	ALABEL_BAD("a\xe2\x80\x8b" "b\xc3\xbc", SMTP_IDNA_DISALLOWED, 0x200b);
	ALABEL_BAD("\xc2\xa0\xc3\xbc", SMTP_IDNA_DISALLOWED, 0xa0);
	ALABEL_BAD("e\xcc\x81\xc3\xbc", SMTP_IDNA_DISALLOWED, 0x301);
	ALABEL_BAD("\xc5\x80", SMTP_IDNA_DISALLOWED, 0x140);
	ALABEL_BAD("\xe4\xbe\x8b\xe3\x80\x82", SMTP_IDNA_DISALLOWED, 0x3002);
	ALABEL_BAD("\xef\xbc\xa1\xc3\xbc", SMTP_IDNA_DISALLOWED, 0xff21);
	ALABEL_BAD("\xc3\xbc_x", SMTP_IDNA_DISALLOWED, '_');
	ALABEL_BAD("\xd9\x85\xe2\x80\x8d", SMTP_IDNA_DISALLOWED, 0x200d);
	/* Not UTF-8: a lone continuation, an overlong '/', a surrogate, a cut sequence. */
	ALABEL_BAD("\x80", SMTP_IDNA_BAD_UTF8, 0);
	ALABEL_BAD("\xc0\xaf\xc3\xbc", SMTP_IDNA_BAD_UTF8, 0);
	ALABEL_BAD("\xed\xa0\x80", SMTP_IDNA_BAD_UTF8, 0);
	ALABEL_BAD("\xc3\xbc\xe4\xbe", SMTP_IDNA_BAD_UTF8, 0);
	/* RFC 5891 4.2.3.1 hyphens. */
	ALABEL_BAD("-\xc3\xbc", SMTP_IDNA_BAD_HYPHEN, 0);
	ALABEL_BAD("\xc3\xbc-", SMTP_IDNA_BAD_HYPHEN, 0);
	ALABEL_BAD("ab--\xc3\xbc", SMTP_IDNA_BAD_HYPHEN, 0);
	ALABEL_OK("a-b-\xc3\xbc", "xn--a-b--3ra");
}

static void test_lengths(void)
{
	char label[256];
	size_t i;

	/* 56 ASCII letters and one ü: "xn--" + 56 + "-" + 3 digits = 64 octets, one too many. */
	for (i = 0; i < 56; i++) {
		label[i] = 'a';
	}
	memcpy(label + 56, "\xc3\xbc", 3);
	ALABEL_BAD(label, SMTP_IDNA_TOO_LONG, 0);
	memcpy(label + 55, "\xc3\xbc", 3);
	{
		char out[SMTP_IDNA_LABEL_MAX];
		size_t len;
		uint32_t cp;
		CHECK_INT(smtp_idna_to_alabel(label, strlen(label), out, sizeof(out), &len, &cp), SMTP_IDNA_OK);
		CHECK_INT(len, 63);
	}
	/* 100 code points: far too many, refused without overrunning anything. */
	for (i = 0; i < 100; i++) {
		memcpy(label + 2 * i, "\xc3\xbc", 2);
	}
	label[200] = '\0';
	ALABEL_BAD(label, SMTP_IDNA_TOO_LONG, 0);
}

static void test_utf8_next(void)
{
	uint32_t cp = 0;

	CHECK_INT(smtp_utf8_next("A", 1, &cp), 1);
	CHECK_INT(cp, 'A');
	CHECK_INT(smtp_utf8_next("\xf0\x9f\x93\xa7", 4, &cp), 4);
	CHECK_INT(cp, 0x1f4e7);
	CHECK_INT(smtp_utf8_next("\xf4\x90\x80\x80", 4, &cp), 0);   /* past U+10FFFF */
	CHECK_INT(smtp_utf8_next("\xe0\x80\xaf", 3, &cp), 0);       /* overlong */
	CHECK_INT(smtp_utf8_next("\xf0\x9f\x93", 3, &cp), 0);       /* cut */
	CHECK_INT(smtp_utf8_next("\xc3\x28", 2, &cp), 0);
}

int main(void)
{
	test_rfc3492_samples();
	test_punycode_decode_errors();
	test_to_alabel();
	test_lengths();
	test_utf8_next();
	return check_report("idna");
}
