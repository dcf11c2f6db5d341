/* smtp_sasl.c: see smtp_sasl.h. */
#include "smtp_sasl.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* Input octets encoded per append in smtp_base64_encode(): keeps the stack
 * chunk small while making one append per 4 KiB of output. */
#define B64_CHUNK_IN 3072
/* RFC 2195 2: the digest is 16 octets, sent as 32 lower-case hex digits. */
#define CRAM_MD5_DIGEST_LEN 16
#define CRAM_MD5_HEX_LEN (2 * CRAM_MD5_DIGEST_LEN)

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Encoded length of n octets, or SIZE_MAX when it does not fit in a size_t. */
static size_t b64_encoded_len(size_t n)
{
	size_t groups = n / 3 + (n % 3 != 0);
	return groups > SIZE_MAX / 4 ? SIZE_MAX : groups * 4;
}

/* Writes the b64_encoded_len(n) octets of src[0..n) to dst. */
static size_t b64_encode_raw(char *dst, const unsigned char *src, size_t n)
{
	size_t i = 0, o = 0;

	for (; i + 3 <= n; i += 3) {
		unsigned long v = (unsigned long)src[i] << 16 | (unsigned long)src[i + 1] << 8 | src[i + 2];
		dst[o++] = b64_alphabet[(v >> 18) & 63];
		dst[o++] = b64_alphabet[(v >> 12) & 63];
		dst[o++] = b64_alphabet[(v >> 6) & 63];
		dst[o++] = b64_alphabet[v & 63];
	}
	if (n - i == 1) {
		unsigned long v = (unsigned long)src[i] << 16;
		dst[o++] = b64_alphabet[(v >> 18) & 63];
		dst[o++] = b64_alphabet[(v >> 12) & 63];
		dst[o++] = '=';
		dst[o++] = '=';
	} else if (n - i == 2) {
		unsigned long v = (unsigned long)src[i] << 16 | (unsigned long)src[i + 1] << 8;
		dst[o++] = b64_alphabet[(v >> 18) & 63];
		dst[o++] = b64_alphabet[(v >> 12) & 63];
		dst[o++] = b64_alphabet[(v >> 6) & 63];
		dst[o++] = '=';
	}
	return o;
}

/* RFC 4648 4, table 1; -1 for anything outside the alphabet (including '='). */
static int b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z') {
		return ch - 'A';
	}
	if (ch >= 'a' && ch <= 'z') {
		return ch - 'a' + 26;
	}
	if (ch >= '0' && ch <= '9') {
		return ch - '0' + 52;
	}
	if (ch == '+') {
		return 62;
	}
	if (ch == '/') {
		return 63;
	}
	return -1;
}

/* Drops what was appended to b after its length was old, wiping it: a failed
 * encoder leaves the buffer as it found it, with no secret behind in the tail. */
static void buf_truncate(smtp_buf_t *b, size_t old)
{
	if (b->data != NULL && b->len > old) {
		OPENSSL_cleanse(b->data + old, b->len - old);
		b->len = old;
		b->data[old] = '\0';
	}
}

smtp_rc_t smtp_base64_encode(smtp_buf_t *out, const void *in, size_t len)
{
	const unsigned char *src = in;
	char chunk[B64_CHUNK_IN / 3 * 4];
	size_t old = out->len, i = 0, total = b64_encoded_len(len);
	smtp_rc_t rc = SMTP_OK;

	if (total > out->max || out->len > out->max - total) {
		return SMTP_E_LIMIT;
	}
	while (i < len) {
		size_t n = len - i < B64_CHUNK_IN ? len - i : B64_CHUNK_IN;
		size_t k = b64_encode_raw(chunk, src + i, n);
		rc = smtp_buf_append(out, chunk, k);
		if (rc != SMTP_OK) {
			buf_truncate(out, old);
			break;
		}
		i += n;
	}
	/* The input may be a credential (AUTH LOGIN): no copy stays on the stack. */
	OPENSSL_cleanse(chunk, sizeof(chunk));
	return rc;
}

smtp_rc_t smtp_base64_decode(smtp_buf_t *out, const char *in, size_t len, smtp_error_t *err)
{
	unsigned char chunk[B64_CHUNK_IN];
	size_t old = out->len, i, c = 0, pad = 0, total;
	smtp_rc_t rc = SMTP_OK;

	if (len % 4 != 0) {
		/* RFC 4648 3.2: encoded data is padded to whole 4-character groups. */
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_NONE, 0,
			"base64 text of %zu octets is not a whole number of 4-octet groups", len);
	}
	if (len > 0 && in[len - 1] == '=') {
		pad = in[len - 2] == '=' ? 2 : 1;
	}
	total = len / 4 * 3 - pad;
	if (total > out->max || out->len > out->max - total) {
		return smtp_error_set(err, SMTP_E_LIMIT, SMTP_STAGE_NONE, 0,
			"decoded base64 of %zu octets does not fit the buffer", total);
	}
	for (i = 0; i < len; i += 4) {
		int v[4];
		size_t j, groupn = i + 4 == len ? 3 - pad : 3;
		unsigned long bits;

		for (j = 0; j < 4; j++) {
			v[j] = b64_value((unsigned char)in[i + j]);
			/* '=' is allowed only as the padding counted above. */
			if (v[j] < 0 && !(i + 4 == len && j >= 4 - pad)) {
				buf_truncate(out, old);
				OPENSSL_cleanse(chunk, sizeof(chunk));
				return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_NONE, 0,
					"octet %zu of the base64 text is not in the base64 alphabet", i + j);
			}
			if (v[j] < 0) {
				v[j] = 0;
			}
		}
		bits = (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12 |
		       (unsigned long)v[2] << 6 | (unsigned long)v[3];
		/* RFC 4648 3.5: the bits left over before the padding must be zero, so
		 * that every octet string has exactly one encoding. */
		if ((groupn == 1 && (bits & 0xffff) != 0) || (groupn == 2 && (bits & 0xff) != 0)) {
			buf_truncate(out, old);
			OPENSSL_cleanse(chunk, sizeof(chunk));
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_NONE, 0,
				"the last base64 group has non-zero padding bits");
		}
		chunk[c++] = (unsigned char)(bits >> 16);
		if (groupn > 1) {
			chunk[c++] = (unsigned char)(bits >> 8);
		}
		if (groupn > 2) {
			chunk[c++] = (unsigned char)bits;
		}
		if (c + 3 > sizeof(chunk) || i + 4 == len) {
			rc = smtp_buf_append(out, chunk, c);
			c = 0;
			if (rc != SMTP_OK) {
				buf_truncate(out, old);
				OPENSSL_cleanse(chunk, sizeof(chunk));
				return smtp_error_set(err, rc, SMTP_STAGE_NONE, 0,
					"no memory for %zu octets of decoded base64", total);
			}
		}
	}
	OPENSSL_cleanse(chunk, sizeof(chunk));
	return SMTP_OK;
}

/* The first mechanism of order[0..n) that the server offers, or 0. */
/* ---- the mechanism table ---- */

static smtp_rc_t respond_plain(smtp_buf_t *out, unsigned step, const char *challenge, size_t clen,
                               const smtp_sasl_cred_t *c, smtp_error_t *err)
{
	(void)step;
	(void)challenge;
	(void)clen;
	return smtp_sasl_plain(out, c->user, strlen(c->user), c->secret, strlen(c->secret), err);
}

static smtp_rc_t respond_login(smtp_buf_t *out, unsigned step, const char *challenge, size_t clen,
                               const smtp_sasl_cred_t *c, smtp_error_t *err)
{
	const char *text = step == 0 ? c->user : c->secret;
	(void)challenge;
	(void)clen;
	return smtp_sasl_login_item(out, text, strlen(text), err);
}

static smtp_rc_t respond_cram_md5(smtp_buf_t *out, unsigned step, const char *challenge, size_t clen,
                                  const smtp_sasl_cred_t *c, smtp_error_t *err)
{
	(void)step;
	return smtp_sasl_cram_md5(out, challenge, clen, c->user, strlen(c->user), c->secret, strlen(c->secret), err);
}

static smtp_rc_t respond_xoauth2(smtp_buf_t *out, unsigned step, const char *challenge, size_t clen,
                                 const smtp_sasl_cred_t *c, smtp_error_t *err)
{
	(void)step;
	(void)challenge;
	(void)clen;
	return smtp_sasl_xoauth2(out, c->user, strlen(c->user), c->secret, strlen(c->secret), err);
}

static smtp_rc_t respond_oauthbearer(smtp_buf_t *out, unsigned step, const char *challenge, size_t clen,
                                     const smtp_sasl_cred_t *c, smtp_error_t *err)
{
	(void)step;
	(void)challenge;
	(void)clen;
	return smtp_sasl_oauthbearer(out, c->user, strlen(c->user), c->host, c->port, c->secret, strlen(c->secret), err);
}

/* name, bit, token, rank in TLS, rank without, initial response, responses,
 * answer to an error report, builder. OAUTHBEARER's answer is the single
 * %x01 of RFC 7628 3.2.3, "AQ==" in base64. */
static const smtp_sasl_mech_t mechs[] = {
	{"PLAIN", SMTP_AUTH_PLAIN, false, 1, 2, true, 1, NULL, respond_plain},
	{"LOGIN", SMTP_AUTH_LOGIN, false, 2, 3, false, 2, NULL, respond_login},
	{"CRAM-MD5", SMTP_AUTH_CRAM_MD5, false, 3, 1, false, 1, NULL, respond_cram_md5},
	{"XOAUTH2", SMTP_AUTH_XOAUTH2, true, 1, 1, true, 1, "", respond_xoauth2},
	{"OAUTHBEARER", SMTP_AUTH_OAUTHBEARER, true, 2, 2, true, 1, "AQ==", respond_oauthbearer},
};
static const size_t nmechs = sizeof(mechs) / sizeof(mechs[0]);

const smtp_sasl_mech_t *smtp_sasl_mech(unsigned bit)
{
	for (size_t i = 0; i < nmechs; i++) {
		if (mechs[i].bit == bit) {
			return &mechs[i];
		}
	}
	return NULL;
}

const smtp_sasl_mech_t *smtp_sasl_mech_named(const char *name, size_t len)
{
	for (size_t i = 0; i < nmechs; i++) {
		if (strlen(mechs[i].name) == len && smtp_ascii_iequal(name, mechs[i].name, len)) {
			return &mechs[i];
		}
	}
	return NULL;
}

/* RFC 8314 5 and RFC 4616 4: over TLS, PLAIN is the recommended choice and
 * costs one round trip; CRAM-MD5 (RFC 2195, an MD5 digest that needs the
 * password stored in clear on the server) costs two. Without TLS it is the
 * only one that does not put the password on the wire. A bearer token is not
 * a password: it is never given to a password mechanism, nor the reverse. */
unsigned smtp_sasl_choose(unsigned offered, bool have_token, bool tls)
{
	const smtp_sasl_mech_t *best = NULL;

	for (size_t i = 0; i < nmechs; i++) {
		const smtp_sasl_mech_t *m = &mechs[i];
		unsigned rank = tls ? m->rank_tls : m->rank_clear;
		if ((offered & m->bit) == 0 || m->token != have_token || rank == 0) {
			continue;
		}
		if (best == NULL || rank < (tls ? best->rank_tls : best->rank_clear)) {
			best = m;
		}
	}
	return best != NULL ? best->bit : 0u;
}

smtp_rc_t smtp_sasl_parse_list(const char *text, unsigned *mechs_out, smtp_error_t *err)
{
	const char *p = text;

	*mechs_out = 0;
	for (;;) {
		const smtp_sasl_mech_t *m;
		size_t n;

		while (*p == ' ' || *p == ',' || *p == '\t') {
			p++;
		}
		if (*p == '\0') {
			return SMTP_OK;
		}
		for (n = 0; p[n] != '\0' && p[n] != ' ' && p[n] != ',' && p[n] != '\t'; n++) {
		}
		m = smtp_sasl_mech_named(p, n);
		if (m == NULL) {
			char q[64], names[128];
			smtp_text_sanitize(q, sizeof(q), p, n);
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0, "unknown AUTH mechanism '%s' (known: %s)", q,
			                      smtp_sasl_known_names(names, sizeof(names)));
		}
		*mechs_out |= m->bit;
		p += n;
	}
}

const char *smtp_sasl_name(unsigned mech)
{
	const smtp_sasl_mech_t *m = smtp_sasl_mech(mech);
	return m != NULL ? m->name : NULL;
}

const char *smtp_sasl_known_names(char *buf, size_t cap)
{
	size_t used = 0;

	if (cap == 0) {
		return buf;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < nmechs; i++) {
		int w = snprintf(buf + used, cap - used, "%s%s", i > 0 ? ", " : "", mechs[i].name);
		if (w < 0 || (size_t)w >= cap - used) {
			break;
		}
		used += (size_t)w;
	}
	return buf;
}

/* Name of the first octet of p[0..n) found in bad[0..nbad), or NULL. Named,
 * not shown: the text may be a secret. */
static const char *find_forbidden(const char *p, size_t n, const char *bad, size_t nbad)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (memchr(bad, p[i], nbad) != NULL) {
			switch (p[i]) {
			case '\0': return "NUL";
			case '\r': return "CR";
			case '\n': return "LF";
			case '\x01': return "\\x01";
			default: return "a forbidden octet";
			}
		}
	}
	return NULL;
}

/* Checks one credential field: non-empty, none of bad[0..nbad). what names the
 * field ("user name"), mech the mechanism, for the message. */
static smtp_rc_t check_field(const char *p, size_t n, const char *bad, size_t nbad,
                             const char *what, const char *mech, smtp_error_t *err)
{
	const char *found;

	if (n == 0) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0,
			"the %s for AUTH %s is empty", what, mech);
	}
	found = find_forbidden(p, n, bad, nbad);
	if (found != NULL) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0,
			"the %s for AUTH %s contains %s, which the mechanism cannot carry", what, mech, found);
	}
	return SMTP_OK;
}

/* Appends base64(raw[0..n)) to out in a single append, so a growing buffer
 * never reallocates between two halves of a secret; the temporary is wiped. */
static smtp_rc_t append_b64_once(smtp_buf_t *out, const unsigned char *raw, size_t n,
                                 smtp_error_t *err)
{
	size_t enc = b64_encoded_len(n), k;
	char *tmp;
	smtp_rc_t rc;

	if (enc > out->max || out->len > out->max - enc) {
		return smtp_error_set(err, SMTP_E_LIMIT, SMTP_STAGE_AUTH, 0,
			"the AUTH response would be %zu octets, more than the %zu allowed", enc,
			out->max - out->len);
	}
	tmp = malloc(enc + 1);
	if (tmp == NULL) {
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_AUTH, 0,
			"no memory for the AUTH response");
	}
	k = b64_encode_raw(tmp, raw, n);
	rc = smtp_buf_append(out, tmp, k);
	OPENSSL_cleanse(tmp, enc + 1);
	free(tmp);
	if (rc != SMTP_OK) {
		return smtp_error_set(err, rc, SMTP_STAGE_AUTH, 0, "no room for the AUTH response");
	}
	return SMTP_OK;
}

/* Joins parts into one wiped-on-free allocation and appends its base64. */
static smtp_rc_t append_b64_parts(smtp_buf_t *out, const char *const *parts, const size_t *lens,
                                  size_t nparts, smtp_error_t *err)
{
	size_t total = 0, k, o = 0;
	unsigned char *raw;
	smtp_rc_t rc;

	for (k = 0; k < nparts; k++) {
		if (lens[k] > SIZE_MAX / 2 - total) {
			return smtp_error_set(err, SMTP_E_LIMIT, SMTP_STAGE_AUTH, 0,
				"the AUTH response is too long");
		}
		total += lens[k];
	}
	raw = malloc(total + 1);
	if (raw == NULL) {
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_AUTH, 0,
			"no memory for the AUTH response");
	}
	for (k = 0; k < nparts; k++) {
		if (lens[k] > 0) {
			memcpy(raw + o, parts[k], lens[k]);
			o += lens[k];
		}
	}
	rc = append_b64_once(out, raw, total, err);
	OPENSSL_cleanse(raw, total + 1);
	free(raw);
	return rc;
}

smtp_rc_t smtp_sasl_plain(smtp_buf_t *out, const char *user, size_t ulen, const char *pass,
                          size_t plen, smtp_error_t *err)
{
	/* RFC 4616 2: message = [authzid] NUL authcid NUL passwd, and authcid and
	 * passwd are 1*SAFE, SAFE being any UTF-8 but NUL. */
	const char *parts[4];
	size_t lens[4];
	smtp_rc_t rc;

	rc = check_field(user, ulen, "\0", 1, "user name", "PLAIN", err);
	if (rc == SMTP_OK) {
		rc = check_field(pass, plen, "\0", 1, "password", "PLAIN", err);
	}
	if (rc != SMTP_OK) {
		return rc;
	}
	parts[0] = "\0";
	lens[0] = 1;
	parts[1] = user;
	lens[1] = ulen;
	parts[2] = "\0";
	lens[2] = 1;
	parts[3] = pass;
	lens[3] = plen;
	return append_b64_parts(out, parts, lens, 4, err);
}

smtp_rc_t smtp_sasl_login_item(smtp_buf_t *out, const char *text, size_t len, smtp_error_t *err)
{
	/* LOGIN has no specification beyond draft-murchison-sasl-login: servers
	 * read each item as a line, so CR, LF and NUL would cut or inject. */
	smtp_rc_t rc = check_field(text, len, "\0\r\n", 3, "user name or password", "LOGIN", err);

	if (rc != SMTP_OK) {
		return rc;
	}
	return append_b64_once(out, (const unsigned char *)text, len, err);
}

smtp_rc_t smtp_sasl_cram_md5(smtp_buf_t *out, const char *challenge_b64, size_t clen,
                             const char *user, size_t ulen, const char *pass, size_t plen,
                             smtp_error_t *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	char digest_hex[CRAM_MD5_HEX_LEN];
	const char *parts[3];
	size_t lens[3], k;
	smtp_buf_t chal;
	smtp_error_t derr;
	smtp_rc_t rc;

	rc = check_field(user, ulen, "\0\r\n", 3, "user name", "CRAM-MD5", err);
	if (rc != SMTP_OK) {
		return rc;
	}
	if (plen > INT_MAX) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0,
			"the password for AUTH CRAM-MD5 is too long");
	}
	/* The decoded challenge is never longer than its base64. */
	smtp_buf_init(&chal, clen);
	rc = smtp_base64_decode(&chal, challenge_b64, clen, &derr);
	if (rc != SMTP_OK) {
		smtp_buf_destroy(&chal);
		return smtp_error_set(err, rc == SMTP_E_NOMEM ? SMTP_E_NOMEM : SMTP_E_PROTOCOL,
			SMTP_STAGE_AUTH, 0, "the server's CRAM-MD5 challenge is not valid base64: %s",
			derr.message);
	}
	if (chal.len == 0) {
		/* RFC 2195 2: the challenge is a unique msg-id; without one the response
		 * would be the same every time, and worth replaying. */
		smtp_buf_destroy(&chal);
		return smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, 0,
			"the server's CRAM-MD5 challenge is empty");
	}
	/* RFC 2104 HMAC keyed with the password; RFC 2195 2 uses MD5. The one-shot
	 * HMAC() fails (NULL) where MD5 is not allowed, as under FIPS. */
	if (HMAC(EVP_md5(), pass, (int)plen, (const unsigned char *)chal.data, chal.len, digest,
	         &dlen) == NULL || dlen != CRAM_MD5_DIGEST_LEN) {
		OPENSSL_cleanse(digest, sizeof(digest));
		smtp_buf_destroy(&chal);
		return smtp_error_set(err, SMTP_E_AUTH, SMTP_STAGE_AUTH, 0,
			"CRAM-MD5 is unavailable: libcrypto refused HMAC-MD5");
	}
	smtp_buf_destroy(&chal);
	for (k = 0; k < CRAM_MD5_DIGEST_LEN; k++) {
		digest_hex[2 * k] = hex[digest[k] >> 4];
		digest_hex[2 * k + 1] = hex[digest[k] & 15];
	}
	parts[0] = user;
	lens[0] = ulen;
	parts[1] = " ";
	lens[1] = 1;
	parts[2] = digest_hex;
	lens[2] = CRAM_MD5_HEX_LEN;
	rc = append_b64_parts(out, parts, lens, 3, err);
	/* The digest is a password equivalent for this challenge. */
	OPENSSL_cleanse(digest, sizeof(digest));
	OPENSSL_cleanse(digest_hex, sizeof(digest_hex));
	return rc;
}

smtp_rc_t smtp_sasl_xoauth2(smtp_buf_t *out, const char *user, size_t ulen, const char *token,
                            size_t tlen, smtp_error_t *err)
{
	/* \x01 separates the fields of the XOAUTH2 message, so neither field may
	 * hold one; CR, LF and NUL are refused as in every other credential. */
	const char *parts[5];
	size_t lens[5];
	smtp_rc_t rc;

	rc = check_field(user, ulen, "\0\r\n\x01", 4, "user name", "XOAUTH2", err);
	if (rc == SMTP_OK) {
		rc = check_field(token, tlen, "\0\r\n\x01", 4, "token", "XOAUTH2", err);
	}
	if (rc != SMTP_OK) {
		return rc;
	}
	parts[0] = "user=";
	lens[0] = 5;
	parts[1] = user;
	lens[1] = ulen;
	parts[2] = "\x01" "auth=Bearer ";
	lens[2] = 13;
	parts[3] = token;
	lens[3] = tlen;
	parts[4] = "\x01\x01";
	lens[4] = 2;
	return append_b64_parts(out, parts, lens, 5, err);
}

smtp_rc_t smtp_sasl_oauthbearer(smtp_buf_t *out, const char *user, size_t ulen, const char *host, unsigned port,
                                const char *token, size_t tlen, smtp_error_t *err)
{
	/* RFC 5801 5.1: in the GS2 header, ',' and '=' of the authzid are escaped. */
	char escaped[3 * 256 + 1], portbuf[16];
	const char *parts[12];
	size_t lens[12], n = 0, e = 0, i;
	size_t hlen = host != NULL ? strlen(host) : 0;
	smtp_rc_t rc;

	rc = check_field(user, ulen, "\0\r\n\x01", 4, "user name", "OAUTHBEARER", err);
	if (rc == SMTP_OK) {
		rc = check_field(token, tlen, "\0\r\n\x01", 4, "token", "OAUTHBEARER", err);
	}
	if (rc == SMTP_OK && hlen > 0) {
		rc = check_field(host, hlen, "\0\r\n\x01", 4, "host name", "OAUTHBEARER", err);
	}
	if (rc != SMTP_OK) {
		return rc;
	}
	if (ulen > 256) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0, "the user name is too long for OAUTHBEARER");
	}
	for (i = 0; i < ulen; i++) {
		if (user[i] == ',') {
			memcpy(escaped + e, "=2C", 3);
			e += 3;
		} else if (user[i] == '=') {
			memcpy(escaped + e, "=3D", 3);
			e += 3;
		} else {
			escaped[e++] = user[i];
		}
	}
	parts[n] = "n,a=";
	lens[n++] = 4;
	parts[n] = escaped;
	lens[n++] = e;
	parts[n] = ",\x01";
	lens[n++] = 2;
	if (hlen > 0) {
		parts[n] = "host=";
		lens[n++] = 5;
		parts[n] = host;
		lens[n++] = hlen;
		parts[n] = "\x01";
		lens[n++] = 1;
	}
	if (port > 0) {
		int w = snprintf(portbuf, sizeof(portbuf), "port=%u\x01", port);
		parts[n] = portbuf;
		lens[n++] = (size_t)w;
	}
	parts[n] = "auth=Bearer ";
	lens[n++] = 12;
	parts[n] = token;
	lens[n++] = tlen;
	parts[n] = "\x01\x01";
	lens[n++] = 2;
	return append_b64_parts(out, parts, lens, n, err);
}
