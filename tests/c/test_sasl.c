/* test_sasl.c: base64 and the SASL responses, against published vectors. */
#include "check.h"
#include "smtp_sasl.h"

#include <stdlib.h>

#include <openssl/evp.h>

#define BIG 1000000

/* An error message must never show a secret. */
#define CHECK_NO_SECRET(err, secret) CHECK(strstr((err).message, (secret)) == NULL)

static void test_base64_vectors(void)
{
	/* RFC 4648 10. */
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	size_t k;

	for (k = 0; k < 7; k++) {
		smtp_buf_t b;
		smtp_error_t err;

		smtp_buf_init(&b, 100);
		CHECK_INT(smtp_base64_encode(&b, plain[k], strlen(plain[k])), SMTP_OK);
		CHECK_MEM(b.data, b.len, enc[k], strlen(enc[k]));
		smtp_buf_reset(&b);
		CHECK_INT(smtp_base64_decode(&b, enc[k], strlen(enc[k]), &err), SMTP_OK);
		CHECK_MEM(b.data, b.len, plain[k], strlen(plain[k]));
		smtp_buf_destroy(&b);
	}
}

/* Appends after what the buffer holds; binary input of every length, checked
 * against libcrypto's encoder and decoded back. */
static void test_base64_binary(void)
{
	unsigned char *in = malloc(10000), *ref = malloc(20000);
	smtp_buf_t b, d;
	smtp_error_t err;
	size_t k, n;
	int bad = 0;

	if (in == NULL || ref == NULL) {
		CHECK(0);
		free(in);
		free(ref);
		return;
	}
	for (k = 0; k < 10000; k++) {
		in[k] = (unsigned char)(k * 7 + (k >> 8));
	}
	smtp_buf_init(&b, 20000);
	smtp_buf_init(&d, 20000);
	CHECK_INT(smtp_buf_append(&b, "AUTH PLAIN ", 11), SMTP_OK);
	CHECK_INT(smtp_base64_encode(&b, "foo", 3), SMTP_OK);
	CHECK_STR(b.data, "AUTH PLAIN Zm9v");
	for (n = 0; n < 10000; n += (n < 300 ? 1 : 997)) {
		int rlen = EVP_EncodeBlock(ref, in, (int)n);
		smtp_buf_reset(&b);
		smtp_buf_reset(&d);
		bad += smtp_base64_encode(&b, in, n) != SMTP_OK;
		bad += b.len != (size_t)rlen || memcmp(b.data ? b.data : "", ref, (size_t)rlen) != 0;
		bad += smtp_base64_decode(&d, b.data ? b.data : "", b.len, &err) != SMTP_OK;
		bad += d.len != n || (n > 0 && memcmp(d.data, in, n) != 0);
	}
	CHECK_INT(bad, 0);
	smtp_buf_destroy(&b);
	smtp_buf_destroy(&d);
	free(in);
	free(ref);
}

static void test_base64_reject(void)
{
	static const struct { const char *text; size_t len; const char *msg; } bad[] = {
		{ "Zg=", 3, "base64 text of 3 octets is not a whole number of 4-octet groups" },
		{ "Zg", 2, NULL },
		{ "Zm9vY", 5, NULL },
		{ "Z===", 4, "octet 1 of the base64 text is not in the base64 alphabet" },
		{ "====", 4, "octet 0 of the base64 text is not in the base64 alphabet" },
		{ "Zg=a", 4, "octet 2 of the base64 text is not in the base64 alphabet" },
		{ "Z=g=", 4, NULL },
		{ "Zm9vYg==Zm9v", 12, "octet 6 of the base64 text is not in the base64 alphabet" },
		{ "Zm9v\r\nZm9v", 10, NULL },
		{ "Zm9v Zm9", 8, "octet 4 of the base64 text is not in the base64 alphabet" },
		{ "Zm9vZm9\n", 8, NULL },
		{ "Zm9-", 4, NULL },
		{ "Zm_v", 4, NULL },
		{ "Zm9\0", 4, NULL },
		{ "Zm9\xc3", 4, NULL },
		/* RFC 4648 3.5: non-zero bits before the padding. */
		{ "Zh==", 4, "the last base64 group has non-zero padding bits" },
		{ "Zm9=", 4, "the last base64 group has non-zero padding bits" },
		{ "Zm8=", 4, NULL },   /* valid: marks the end of the list */
	};
	size_t k;

	for (k = 0; k + 1 < sizeof(bad) / sizeof(bad[0]); k++) {
		smtp_buf_t b;
		smtp_error_t err;

		smtp_buf_init(&b, 100);
		CHECK_INT(smtp_buf_append(&b, "keep", 4), SMTP_OK);
		smtp_error_clear(&err);
		CHECK_INT(smtp_base64_decode(&b, bad[k].text, bad[k].len, &err), SMTP_E_ARG);
		CHECK_INT(err.rc, SMTP_E_ARG);
		CHECK_INT(err.stage, SMTP_STAGE_NONE);
		if (bad[k].msg != NULL) {
			CHECK_STR(err.message, bad[k].msg);
		}
		/* Nothing of a failed decode is left behind. */
		CHECK_MEM(b.data, b.len, "keep", 4);
		smtp_buf_destroy(&b);
	}
	{
		smtp_buf_t b;
		smtp_error_t err;
		smtp_buf_init(&b, 100);
		CHECK_INT(smtp_base64_decode(&b, "Zm8=", 4, &err), SMTP_OK);
		CHECK_MEM(b.data, b.len, "fo", 2);
		smtp_buf_destroy(&b);
	}
}

static void test_base64_limits(void)
{
	smtp_buf_t b;
	smtp_error_t err;

	/* "foobar" encodes to 8 octets: 7 of room is not enough, 8 is. */
	smtp_buf_init(&b, 9);
	CHECK_INT(smtp_buf_append(&b, "xx", 2), SMTP_OK);
	CHECK_INT(smtp_base64_encode(&b, "foobar", 6), SMTP_E_LIMIT);
	CHECK_MEM(b.data, b.len, "xx", 2);
	smtp_buf_reset(&b);
	CHECK_INT(smtp_buf_append(&b, "x", 1), SMTP_OK);
	CHECK_INT(smtp_base64_encode(&b, "foobar", 6), SMTP_OK);
	CHECK_MEM(b.data, b.len, "xZm9vYmFy", 9);
	smtp_buf_destroy(&b);

	smtp_buf_init(&b, 5);
	CHECK_INT(smtp_base64_decode(&b, "Zm9vYmFy", 8, &err), SMTP_E_LIMIT);
	CHECK_INT(b.len, 0);
	CHECK_INT(smtp_base64_decode(&b, "Zm9vYg==", 8, &err), SMTP_OK);
	CHECK_MEM(b.data, b.len, "foob", 4);
	smtp_buf_destroy(&b);

	/* Longer than one internal chunk, both ways. */
	{
		char *big = malloc(BIG);
		smtp_buf_t e, d;
		if (big == NULL) {
			CHECK(0);
			return;
		}
		memset(big, 0xA5, BIG);
		smtp_buf_init(&e, BIG * 2);
		smtp_buf_init(&d, BIG);
		CHECK_INT(smtp_base64_encode(&e, big, BIG), SMTP_OK);
		CHECK_INT(e.len, (BIG + 2) / 3 * 4);
		CHECK_INT(smtp_base64_decode(&d, e.data, e.len, &err), SMTP_OK);
		CHECK_INT(d.len, BIG);
		CHECK(d.data != NULL && memcmp(d.data, big, BIG) == 0);
		smtp_buf_destroy(&e);
		smtp_buf_destroy(&d);
		free(big);
	}
}

static void test_choose(void)
{
	const unsigned all = SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN | SMTP_AUTH_CRAM_MD5 | SMTP_AUTH_XOAUTH2;

	/* Without TLS CRAM-MD5 keeps the password off the wire; inside TLS PLAIN saves a round trip. */
	CHECK_INT(smtp_sasl_choose(all, false, false), SMTP_AUTH_CRAM_MD5);
	CHECK_INT(smtp_sasl_choose(all, false, true), SMTP_AUTH_PLAIN);
	CHECK_INT(smtp_sasl_choose(SMTP_AUTH_CRAM_MD5 | SMTP_AUTH_LOGIN, false, true), SMTP_AUTH_LOGIN);
	CHECK_INT(smtp_sasl_choose(SMTP_AUTH_CRAM_MD5, false, true), SMTP_AUTH_CRAM_MD5);
	CHECK_INT(smtp_sasl_choose(all, true, false), SMTP_AUTH_XOAUTH2);
	CHECK_INT(smtp_sasl_choose(SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN, false, false), SMTP_AUTH_PLAIN);
	CHECK_INT(smtp_sasl_choose(SMTP_AUTH_LOGIN | SMTP_AUTH_XOAUTH2, false, false), SMTP_AUTH_LOGIN);
	CHECK_INT(smtp_sasl_choose(SMTP_AUTH_LOGIN, false, false), SMTP_AUTH_LOGIN);
	CHECK_INT(smtp_sasl_choose(SMTP_AUTH_XOAUTH2, false, false), 0);
	CHECK_INT(smtp_sasl_choose(SMTP_AUTH_PLAIN | SMTP_AUTH_CRAM_MD5 | SMTP_AUTH_LOGIN, true, false), 0);
	CHECK_INT(smtp_sasl_choose(0, false, false), 0);
	CHECK_INT(smtp_sasl_choose(0, true, false), 0);
	CHECK_INT(smtp_sasl_choose(1u << 9, false, false), 0);

	/* The auth setting's list of allowed mechanisms. */
	{
		unsigned m = 99;
		smtp_error_t e;
		CHECK_INT(smtp_sasl_parse_list("", &m, &e), SMTP_OK);
		CHECK_INT(m, 0);
		CHECK_INT(smtp_sasl_parse_list(" cram-md5, PLAIN\tLogin ", &m, &e), SMTP_OK);
		CHECK_INT(m, SMTP_AUTH_CRAM_MD5 | SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN);
		CHECK_INT(smtp_sasl_parse_list("xoauth2", &m, &e), SMTP_OK);
		CHECK_INT(m, SMTP_AUTH_XOAUTH2);
		CHECK_INT(smtp_sasl_parse_list("PLAIN GSSAPI", &m, &e), SMTP_E_ARG);
		CHECK_STR(e.message, "unknown AUTH mechanism 'GSSAPI' (known: PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER)");
		CHECK_INT(smtp_sasl_parse_list("oauthbearer XOAUTH2", &m, &e), SMTP_OK);
		CHECK_INT(m, SMTP_AUTH_OAUTHBEARER | SMTP_AUTH_XOAUTH2);
		CHECK_INT(smtp_sasl_parse_list("PLAINX", &m, &e), SMTP_E_ARG);
	}

	CHECK_STR(smtp_sasl_name(SMTP_AUTH_PLAIN), "PLAIN");
	CHECK_STR(smtp_sasl_name(SMTP_AUTH_LOGIN), "LOGIN");
	CHECK_STR(smtp_sasl_name(SMTP_AUTH_CRAM_MD5), "CRAM-MD5");
	CHECK_STR(smtp_sasl_name(SMTP_AUTH_XOAUTH2), "XOAUTH2");
	CHECK(smtp_sasl_name(0) == NULL);
	CHECK(smtp_sasl_name(SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN) == NULL);
	CHECK(smtp_sasl_name(1u << 9) == NULL);
}

static void test_plain(void)
{
	smtp_buf_t b;
	smtp_error_t err;

	smtp_buf_init(&b, 200);
	CHECK_INT(smtp_sasl_plain(&b, "tim", 3, "tanstaaftanstaaf", 16, &err), SMTP_OK);
	CHECK_STR(b.data, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	smtp_buf_reset(&b);
	CHECK_INT(smtp_buf_append(&b, "AUTH PLAIN ", 11), SMTP_OK);
	CHECK_INT(smtp_sasl_plain(&b, "j\xc3\xbcrgen", 7, "p\xc3\xa4ssw\xc3\xb6rd", 10, &err), SMTP_OK);
	CHECK_STR(b.data, "AUTH PLAIN AGrDvHJnZW4AcMOkc3N3w7ZyZA==");

	/* A NUL would shift the fields: refused, naming the field, not its value. */
	smtp_buf_reset(&b);
	smtp_error_clear(&err);
	CHECK_INT(smtp_sasl_plain(&b, "tim", 3, "sec\0ret", 7, &err), SMTP_E_ARG);
	CHECK_INT(err.stage, SMTP_STAGE_AUTH);
	CHECK_STR(err.message, "the password for AUTH PLAIN contains NUL, which the mechanism cannot carry");
	CHECK_NO_SECRET(err, "sec");
	CHECK_INT(b.len, 0);
	CHECK_INT(smtp_sasl_plain(&b, "t\0m", 3, "secret", 6, &err), SMTP_E_ARG);
	CHECK_STR(err.message, "the user name for AUTH PLAIN contains NUL, which the mechanism cannot carry");
	CHECK_INT(smtp_sasl_plain(&b, "", 0, "secret", 6, &err), SMTP_E_ARG);
	CHECK_STR(err.message, "the user name for AUTH PLAIN is empty");
	CHECK_INT(smtp_sasl_plain(&b, "tim", 3, "", 0, &err), SMTP_E_ARG);
	CHECK_STR(err.message, "the password for AUTH PLAIN is empty");
	CHECK_INT(b.len, 0);

	/* Too long for the buffer: refused whole, the buffer as it was. */
	smtp_buf_destroy(&b);
	smtp_buf_init(&b, 30);
	CHECK_INT(smtp_buf_append(&b, "AUTH PLAIN ", 11), SMTP_OK);
	CHECK_INT(smtp_sasl_plain(&b, "tim", 3, "tanstaaftanstaaf", 16, &err), SMTP_E_LIMIT);
	CHECK_INT(err.stage, SMTP_STAGE_AUTH);
	CHECK_NO_SECRET(err, "tanstaaf");
	CHECK_STR(b.data, "AUTH PLAIN ");
	smtp_buf_destroy(&b);
}

static void test_login(void)
{
	static const char *const bad[] = { "a\rb", "a\nb", "a\0b" };
	smtp_buf_t b;
	smtp_error_t err;
	size_t k;

	smtp_buf_init(&b, 100);
	CHECK_INT(smtp_sasl_login_item(&b, "tim", 3, &err), SMTP_OK);
	CHECK_STR(b.data, "dGlt");
	smtp_buf_reset(&b);
	CHECK_INT(smtp_sasl_login_item(&b, "tanstaaftanstaaf", 16, &err), SMTP_OK);
	CHECK_STR(b.data, "dGFuc3RhYWZ0YW5zdGFhZg==");
	for (k = 0; k < 3; k++) {
		smtp_buf_reset(&b);
		CHECK_INT(smtp_sasl_login_item(&b, bad[k], 3, &err), SMTP_E_ARG);
		CHECK_INT(err.stage, SMTP_STAGE_AUTH);
		CHECK_INT(b.len, 0);
	}
	CHECK_STR(err.message, "the user name or password for AUTH LOGIN contains NUL, which the mechanism cannot carry");
	CHECK_INT(smtp_sasl_login_item(&b, "", 0, &err), SMTP_E_ARG);
	smtp_buf_destroy(&b);
}

static void test_cram_md5(void)
{
	static const char chal[] = "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+";
	smtp_buf_t b;
	smtp_error_t err;

	/* RFC 2195 2, the example exchange. */
	smtp_buf_init(&b, 200);
	CHECK_INT(smtp_sasl_cram_md5(&b, chal, sizeof(chal) - 1, "tim", 3, "tanstaaftanstaaf", 16, &err), SMTP_OK);
	CHECK_STR(b.data, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");

	/* An empty password is still a valid HMAC key. */
	smtp_buf_reset(&b);
	CHECK_INT(smtp_sasl_cram_md5(&b, "PDEuMkB4Pg==", 12, "u", 1, "", 0, &err), SMTP_OK);
	CHECK_STR(b.data, "dSA1ZDVmN2FjMmU1NDU3NWM4MTQ1YzIxNTFhOGVhODY3MQ==");

	/* A challenge that is not strict base64 is the server's fault. */
	smtp_buf_reset(&b);
	smtp_error_clear(&err);
	CHECK_INT(smtp_sasl_cram_md5(&b, "PDEuMkB4Pg", 10, "tim", 3, "tanstaaf", 8, &err), SMTP_E_PROTOCOL);
	CHECK_INT(err.stage, SMTP_STAGE_AUTH);
	CHECK_STR(err.message, "the server's CRAM-MD5 challenge is not valid base64: "
		"base64 text of 10 octets is not a whole number of 4-octet groups");
	CHECK_INT(smtp_sasl_cram_md5(&b, "PDEu MkB4Pg==", 13, "tim", 3, "tanstaaf", 8, &err), SMTP_E_PROTOCOL);
	CHECK_INT(smtp_sasl_cram_md5(&b, "PDEuMkB4Pg=\n", 12, "tim", 3, "tanstaaf", 8, &err), SMTP_E_PROTOCOL);
	CHECK_NO_SECRET(err, "tanstaaf");
	CHECK_INT(smtp_sasl_cram_md5(&b, "", 0, "tim", 3, "tanstaaf", 8, &err), SMTP_E_PROTOCOL);
	CHECK_STR(err.message, "the server's CRAM-MD5 challenge is empty");
	CHECK_INT(b.len, 0);

	/* The user name is followed by a space and read as a line by servers. */
	CHECK_INT(smtp_sasl_cram_md5(&b, chal, sizeof(chal) - 1, "ti\nm", 4, "tanstaaf", 8, &err), SMTP_E_ARG);
	CHECK_STR(err.message, "the user name for AUTH CRAM-MD5 contains LF, which the mechanism cannot carry");
	CHECK_INT(smtp_sasl_cram_md5(&b, chal, sizeof(chal) - 1, "", 0, "tanstaaf", 8, &err), SMTP_E_ARG);
	CHECK_INT(b.len, 0);

	/* user SP 32 hex digits = 36 octets -> 48 of base64: 47 is too few. */
	smtp_buf_destroy(&b);
	smtp_buf_init(&b, 47);
	CHECK_INT(smtp_sasl_cram_md5(&b, chal, sizeof(chal) - 1, "tim", 3, "tanstaaftanstaaf", 16, &err), SMTP_E_LIMIT);
	CHECK_INT(b.len, 0);
	smtp_buf_destroy(&b);
	smtp_buf_init(&b, 48);
	CHECK_INT(smtp_sasl_cram_md5(&b, chal, sizeof(chal) - 1, "tim", 3, "tanstaaftanstaaf", 16, &err), SMTP_OK);
	CHECK_INT(b.len, 48);
	smtp_buf_destroy(&b);
}

static void test_xoauth2(void)
{
	static const char token[] = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg";
	static const char *const bad[] = { "a\001b", "a\rb", "a\nb", "a\0b" };
	smtp_buf_t b;
	smtp_error_t err;
	size_t k;

	/* The example of Google's XOAUTH2 protocol page. */
	smtp_buf_init(&b, 400);
	CHECK_INT(smtp_sasl_xoauth2(&b, "someuser@example.com", 20, token, sizeof(token) - 1, &err), SMTP_OK);
	CHECK_STR(b.data, "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52"
		"YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==");

	for (k = 0; k < 4; k++) {
		smtp_buf_reset(&b);
		smtp_error_clear(&err);
		CHECK_INT(smtp_sasl_xoauth2(&b, bad[k], 3, token, sizeof(token) - 1, &err), SMTP_E_ARG);
		CHECK_INT(err.stage, SMTP_STAGE_AUTH);
		CHECK(strstr(err.message, "user name") != NULL);
		CHECK_INT(smtp_sasl_xoauth2(&b, "u@x", 3, bad[k], 3, &err), SMTP_E_ARG);
		CHECK(strstr(err.message, "token") != NULL);
		CHECK_INT(b.len, 0);
	}
	CHECK_STR(err.message, "the token for AUTH XOAUTH2 contains NUL, which the mechanism cannot carry");
	CHECK_INT(smtp_sasl_xoauth2(&b, "u@x", 3, "tok\001en-secret", 12, &err), SMTP_E_ARG);
	CHECK_STR(err.message, "the token for AUTH XOAUTH2 contains \\x01, which the mechanism cannot carry");
	CHECK_NO_SECRET(err, "en-secret");
	CHECK_INT(smtp_sasl_xoauth2(&b, "u@x", 3, "", 0, &err), SMTP_E_ARG);
	CHECK_STR(err.message, "the token for AUTH XOAUTH2 is empty");
	smtp_buf_destroy(&b);
}

int main(void)
{
	test_base64_vectors();
	test_base64_binary();
	test_base64_reject();
	test_base64_limits();
	test_choose();
	test_plain();
	test_login();
	test_cram_md5();
	test_xoauth2();
	return check_report("sasl");
}
