/* Password hashing over libxcrypt. */
#ifndef MAILSEC_PASSWORD_H
#define MAILSEC_PASSWORD_H

#include <stdbool.h>

#include "error.h"
#include "record.h"

/* Whether `password` may be a password at all: never an empty one, which
 * hashing refuses and verification never accepts, whatever a record
 * holds. */
bool ms_password_usable(const char *password);

/* Hashes `password` with a fresh salt; an empty one is MS_INVALID.
 * `prefix` NULL means libxcrypt's preferred method (yescrypt on Debian
 * 12); e.g. "$5$" selects another. `rounds` 0 means the method's default
 * cost. */
enum ms_status ms_password_hash(const char *password, const char *prefix,
				unsigned long rounds, char hash[MS_HASH_MAX],
				struct ms_error *err);

/* crypt_r(password, hash) compared with `hash` in constant time. A hash
 * that crypt cannot use never matches, nor does an empty password. */
bool ms_password_verify(const char *password, const char *hash);

/* Spends the time of one verification against a hash of the preferred
 * method, so that an unknown mailbox costs what a known one does. */
void ms_password_dummy_verify(const char *password);

#endif
