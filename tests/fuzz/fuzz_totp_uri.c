/* The otpauth URI builder with odd issuers and mailbox names: the URI an
 * authenticator app reads must say exactly what was given, whatever bytes
 * the issuer (mailsec.conf) or the name hold.
 *
 * Input: ISSUER NUL MAILBOX [NUL SECRET]; the TOTP parameters are picked
 * from the input's length. */
#include "config.h"

#include <stdbool.h>

#include "fuzz.h"
#include "totp.h"

#define PREFIX "otpauth://totp/"

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c && strchr("-._~", c));
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1; /* lower case too: the builder writes upper case */
}

/* Decodes [from, to) into a heap string; NULL when a byte that should have
 * been encoded is there raw, or an escape is malformed. */
static char *decode(const char *from, const char *to)
{
	char *out = malloc((size_t)(to - from) + 1), *o = out;

	if (!out)
		abort();
	for (const char *p = from; p < to; p++) {
		if (*p == '%' && to - p >= 3 && hex_value(p[1]) >= 0 &&
		    hex_value(p[2]) >= 0) {
			*o++ = (char)(hex_value(p[1]) * 16 + hex_value(p[2]));
			p += 2;
		} else if (unreserved((unsigned char)*p)) {
			*o++ = *p;
		} else {
			free(out);
			return NULL;
		}
	}
	*o = '\0';
	return out;
}

/* [from, to) must decode to exactly `want`. */
static void check_part(const char *from, const char *to, const char *want)
{
	char *got;

	FUZZ_CHECK(from && to && from <= to);
	got = decode(from, to);
	FUZZ_CHECK(got && strcmp(got, want) == 0);
	free(got);
}

static void check_bytes(const char *uri)
{
	for (const unsigned char *p = (const unsigned char *)uri; *p; p++)
		FUZZ_CHECK(unreserved(*p) || (*p && strchr(":/?&=%", *p)));
}

static void check_uri(const char *uri, const struct ms_totp *totp,
		      const char *issuer, const char *mailbox)
{
	const char *label = uri + strlen(PREFIX);
	const char *colon = strchr(label, ':'), *query = strchr(label, '?');
	const char *secret = query ? query + strlen("?secret=") : NULL;
	const char *issuer_param = strstr(uri, "&issuer=");
	char tail[96];

	check_bytes(uri);
	FUZZ_CHECK(strncmp(uri, PREFIX, strlen(PREFIX)) == 0);
	FUZZ_CHECK(query && strncmp(query, "?secret=", 8) == 0);
	FUZZ_CHECK(issuer_param && strchr(query + 1, '?') == NULL);
	check_part(label, colon, issuer);
	check_part(colon + 1, query, mailbox);
	check_part(secret, issuer_param, totp->secret_b32);
	issuer_param += strlen("&issuer=");
	check_part(issuer_param, strchr(issuer_param, '&'), issuer);
	snprintf(tail, sizeof(tail), "&algorithm=%s&digits=%u&period=%u",
		 ms_algorithm_name(totp->algorithm), totp->digits,
		 totp->period);
	FUZZ_CHECK(strcmp(strchr(issuer_param, '&'), tail) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *input = fuzz_cstring(data, size);
	const char *issuer = input;
	const char *mailbox = issuer + strlen(issuer) + (strlen(issuer) < size);
	const char *end = input + size;
	const char *secret = mailbox < end ? mailbox + strlen(mailbox) + 1 : end;
	struct ms_totp totp = {
		.secret_b32 = secret < end ? secret : "JBSWY3DPEHPK3PXP",
		.algorithm = (enum ms_algorithm)(size % 3),
		.digits = MS_DIGITS_MIN + size % 3,
		.period = MS_PERIOD_MIN + size % 106,
	};
	struct ms_error err = { 0 };
	char *uri = NULL;

	FUZZ_CHECK(ms_totp_uri(&totp, issuer, mailbox, &uri, &err) == MS_OK);
	check_uri(uri, &totp, issuer, mailbox);
	free(uri);
	free(input);
	return 0;
}
