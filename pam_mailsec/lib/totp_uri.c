#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secure.h"
#include "totp.h"

/* RFC 3986 unreserved characters pass; every other byte is %XX. */
static void put_encoded(FILE *out, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			fputc(*p, out);
		else
			fprintf(out, "%%%02X", *p);
	}
}

enum ms_status ms_totp_uri(const struct ms_totp *totp, const char *issuer,
			   const char *mailbox, char **uri,
			   struct ms_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out)
		return ms_fail(err, MS_SYSTEM, "cannot build the URI: out of memory");
	fputs("otpauth://totp/", out);
	put_encoded(out, issuer);
	fputc(':', out);
	put_encoded(out, mailbox);
	fputs("?secret=", out);
	put_encoded(out, totp->secret_b32);
	fputs("&issuer=", out);
	put_encoded(out, issuer);
	fprintf(out, "&algorithm=%s&digits=%u&period=%u",
		ms_algorithm_name(totp->algorithm), totp->digits, totp->period);
	if (fclose(out) != 0) {
		ms_free_secret(buf);
		return ms_fail(err, MS_SYSTEM, "cannot build the URI: out of memory");
	}
	*uri = buf;
	return MS_OK;
}
