/* TOTP (RFC 6238) over liboath: secrets, otpauth URIs, validation. */
#ifndef MAILSEC_TOTP_H
#define MAILSEC_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "record.h"
#include "totp_params.h"

#define MS_SECRET_BYTES 20 /* 160 bits, RFC 4226's recommendation */
#define MS_SECRET_MIN_BYTES 10 /* 80 bits: fewer makes a record invalid */

/* Calls oath_init once per process; the library calls it itself. */
enum ms_status ms_totp_init(struct ms_error *err);

/* RFC 4648 base32 of `raw` (liboath's encoder) into `out`, wiping liboath's
 * copy. MS_SYSTEM when it does not fit in `size`. */
enum ms_status ms_base32_encode(const void *raw, size_t len, char *out,
				size_t size, struct ms_error *err);

/* A fresh random secret, base32 (upper case, no padding). */
enum ms_status ms_totp_secret_new(char out[MS_SECRET_B32_MAX],
				  struct ms_error *err);

/* Whether `b32` is valid base32 of at least MS_SECRET_MIN_BYTES bytes. */
bool ms_totp_secret_valid(const char *b32);

struct ms_totp {
	const char *secret_b32;
	enum ms_algorithm algorithm;
	unsigned digits;
	unsigned period;
};

/* The parameters of a record's secret, pointing into the record. */
struct ms_totp ms_record_totp(const struct ms_record *record);

/* The code for `now`, for tests and enrolment checks. */
enum ms_status ms_totp_generate(const struct ms_totp *totp, time_t now,
				char *code, size_t size, struct ms_error *err);

/* Checks `code` against steps [now-window, now+window] in constant time.
 * On a match returns true and the matching step (time counter). */
bool ms_totp_validate(const struct ms_totp *totp, time_t now, unsigned window,
		      const char *code, uint64_t *step);

/* otpauth://totp/ISSUER:MAILBOX?secret=..&issuer=..&algorithm=..&digits=..
 * &period=.. with every reserved byte percent-encoded. Heap string the
 * caller frees with ms_free_secret (it holds the secret). */
enum ms_status ms_totp_uri(const struct ms_totp *totp, const char *issuer,
			   const char *mailbox, char **uri,
			   struct ms_error *err);

#endif
