/* TOTP parameters shared by mailsec.conf and mailbox records. */
#ifndef MAILSEC_TOTP_PARAMS_H
#define MAILSEC_TOTP_PARAMS_H

#include <stdbool.h>

enum ms_algorithm { MS_SHA1, MS_SHA256, MS_SHA512 };

#define MS_DIGITS_MIN 6
#define MS_DIGITS_MAX 8
#define MS_DIGITS_DEFAULT 6
#define MS_PERIOD_MIN 15   /* seconds */
#define MS_PERIOD_MAX 120
#define MS_PERIOD_DEFAULT 30

/* "SHA1", "SHA256", "SHA512" (exact, upper case). */
bool ms_algorithm_parse(const char *text, enum ms_algorithm *out);
const char *ms_algorithm_name(enum ms_algorithm algorithm);

#endif
