/* TOTP parameters shared by mailsec.conf and mailbox records. */
#ifndef MAILSEC_TOTP_PARAMS_H
#define MAILSEC_TOTP_PARAMS_H

#include <stdbool.h>

enum ms_algorithm { MS_SHA1, MS_SHA256, MS_SHA512 };

#define MS_DIGITS_MIN 6
#define MS_DIGITS_MAX 8
#define MS_PERIOD_MIN 15   /* seconds */
#define MS_PERIOD_MAX 120

/* RFC 6238's usual parameters: what a record off and mailsec.conf without
 * totp settings hold. */
#define MS_TOTP_DEFAULT_ALGORITHM MS_SHA1
#define MS_TOTP_DEFAULT_DIGITS 6
#define MS_TOTP_DEFAULT_PERIOD 30

/* "SHA1", "SHA256", "SHA512" (exact, upper case). */
bool ms_algorithm_parse(const char *text, enum ms_algorithm *out);
const char *ms_algorithm_name(enum ms_algorithm algorithm);

#endif
