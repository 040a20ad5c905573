#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "secure.h"
#include "totp.h"

enum ms_status ms_totp_init(struct ms_error *err)
{
	if (oath_init() != OATH_OK)
		return ms_fail(err, MS_SYSTEM, "liboath initialisation failed");
	return MS_OK;
}

static int oath_flags(enum ms_algorithm algorithm)
{
	switch (algorithm) {
	case MS_SHA256:
		return OATH_TOTP_HMAC_SHA256;
	case MS_SHA512:
		return OATH_TOTP_HMAC_SHA512;
	case MS_SHA1:
		break;
	}
	return 0;
}

enum ms_status ms_base32_encode(const void *raw, size_t len, char *out,
				size_t size, struct ms_error *err)
{
	char *b32 = NULL;
	size_t b32_len = 0;
	enum ms_status status = ms_totp_init(err);

	if (status != MS_OK)
		return status;
	if (oath_base32_encode(raw, len, &b32, &b32_len) != OATH_OK ||
	    b32_len >= size) {
		status = ms_fail(err, MS_SYSTEM, "cannot encode in base32");
	} else {
		memcpy(out, b32, b32_len);
		out[b32_len] = '\0';
	}
	if (b32)
		ms_wipe(b32, b32_len);
	free(b32);
	return status;
}

enum ms_status ms_totp_secret_new(char out[MS_SECRET_B32_MAX],
				  struct ms_error *err)
{
	unsigned char raw[MS_SECRET_BYTES];
	enum ms_status status;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return ms_fail_errno(err, MS_SYSTEM, errno, "getrandom");
	/* 20 bytes encode to 32 characters: no '=' padding. */
	status = ms_base32_encode(raw, sizeof(raw), out, MS_SECRET_B32_MAX, err);
	ms_wipe(raw, sizeof(raw));
	return status;
}

/* The raw key of a base32 secret, in a heap buffer wiped by the caller. */
static bool secret_decode(const char *b32, char **raw, size_t *raw_len)
{
	struct ms_error err;

	*raw = NULL;
	if (ms_totp_init(&err) != MS_OK ||
	    oath_base32_decode(b32, strlen(b32), raw, raw_len) != OATH_OK) {
		free(*raw);
		*raw = NULL;
		return false;
	}
	return true;
}

static void raw_free(char *raw, size_t raw_len)
{
	if (raw)
		ms_wipe(raw, raw_len);
	free(raw);
}

bool ms_totp_secret_valid(const char *b32)
{
	char *raw;
	size_t raw_len = 0;
	bool valid;

	if (!b32[0] || !secret_decode(b32, &raw, &raw_len))
		return false;
	valid = raw_len >= MS_SECRET_MIN_BYTES;
	raw_free(raw, raw_len);
	return valid;
}

enum ms_status ms_totp_generate(const struct ms_totp *totp, time_t now,
				char *code, size_t size, struct ms_error *err)
{
	char *raw;
	size_t raw_len = 0;
	int rc;

	if (size <= totp->digits)
		return ms_fail(err, MS_SYSTEM, "code buffer too small");
	if (!secret_decode(totp->secret_b32, &raw, &raw_len))
		return ms_fail(err, MS_INVALID, "secret is not valid base32");
	rc = oath_totp_generate2(raw, raw_len, now, totp->period, 0,
				 totp->digits, oath_flags(totp->algorithm), code);
	raw_free(raw, raw_len);
	if (rc != OATH_OK)
		return ms_fail(err, MS_SYSTEM, "cannot compute a code: %s",
			       oath_strerror(rc));
	return MS_OK;
}

static int compare_code(void *given, const char *candidate)
{
	size_t len = strlen(candidate);

	if (strlen(given) != len) /* lengths are public: `digits` */
		return 1;
	return sodium_memcmp(given, candidate, len) == 0 ? 0 : 1;
}

static bool code_form(const char *code, unsigned digits)
{
	size_t len = strlen(code);

	if (len != digits)
		return false;
	for (size_t i = 0; i < len; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	return true;
}

bool ms_totp_validate(const struct ms_totp *totp, time_t now, unsigned window,
		      const char *code, uint64_t *step)
{
	char *raw;
	size_t raw_len = 0;
	int pos = 0, rc;
	uint64_t counter = 0;

	if (!code_form(code, totp->digits) ||
	    !secret_decode(totp->secret_b32, &raw, &raw_len))
		return false;
	/* The compare callback keeps the check constant time. */
	rc = oath_totp_validate4_callback(raw, raw_len, now, totp->period, 0,
					  totp->digits, window, &pos, &counter,
					  oath_flags(totp->algorithm),
					  compare_code, (void *)(uintptr_t)code);
	raw_free(raw, raw_len);
	if (rc < 0)
		return false;
	*step = counter;
	return true;
}

struct ms_totp ms_record_totp(const struct ms_record *record)
{
	struct ms_totp totp = {
		.secret_b32 = record->totp.secret,
		.algorithm = record->totp.algorithm,
		.digits = record->totp.digits,
		.period = record->totp.period,
	};
	return totp;
}
