#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secure.h"
#include "totp.h"

/* RFC 3986 unreserved characters pass; every other byte is %XX. */
static void add_encoded(struct ms_secret_buf *out, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		char escaped[4];

		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			ms_secret_buf_add(out, (const char *)p, 1);
			continue;
		}
		snprintf(escaped, sizeof(escaped), "%%%02X", *p);
		ms_secret_buf_add(out, escaped, 3);
		ms_wipe(escaped, sizeof(escaped));
	}
}

enum ms_status ms_totp_uri(const struct ms_totp *totp, const char *issuer,
			   const char *mailbox, char **uri,
			   struct ms_error *err)
{
	struct ms_secret_buf out = { 0 };
	char params[64];

	snprintf(params, sizeof(params), "&algorithm=%s&digits=%u&period=%u",
		 ms_algorithm_name(totp->algorithm), totp->digits, totp->period);
	ms_secret_buf_add_str(&out, "otpauth://totp/");
	add_encoded(&out, issuer);
	ms_secret_buf_add_str(&out, ":");
	add_encoded(&out, mailbox);
	ms_secret_buf_add_str(&out, "?secret=");
	add_encoded(&out, totp->secret_b32);
	ms_secret_buf_add_str(&out, "&issuer=");
	add_encoded(&out, issuer);
	ms_secret_buf_add_str(&out, params);
	*uri = ms_secret_buf_take(&out);
	if (!*uri)
		return ms_fail(err, MS_SYSTEM, "cannot build the URI: out of memory");
	return MS_OK;
}
