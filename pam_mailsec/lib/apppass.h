/* App passwords: random passwords a mailbox owner hands to one mail app,
 * each with a name, a scope (PAM services), an optional address range and
 * an optional expiry. Every rule about them lives here: generation,
 * normalising, digest, match, scope, range, expiry and limits.
 *
 * A password is 20 letters a-z from libsodium (94 bits), shown as five
 * groups of four; only spaces are removed from what a client sends. The
 * record keeps "blake2b$SALT$DIGEST": BLAKE2b-256 of the password keyed
 * with a random 16-byte salt of its own, in hex. They are random, so no
 * slow hash is needed, and no host key: a record copied elsewhere still
 * verifies. */
#ifndef MAILSEC_APPPASS_H
#define MAILSEC_APPPASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "record.h"

#define MS_APP_LETTERS 20
#define MS_APP_SHOWN_MAX (MS_APP_LETTERS + MS_APP_LETTERS / 4) /* NUL too */
#define MS_APP_DAYS_MAX 3650 /* --expires DAYS */

/* The services an app password gets when none are named. */
extern const char *const ms_app_default_services[];

/* A new password, "abcd efgh ijkl mnop qrst"; the caller wipes it. */
void ms_app_generate(char shown[MS_APP_SHOWN_MAX]);

/* The password as a client sent it, spaces removed, into `out` (wiped by
 * the caller); false when it cannot be one (not 20 letters a-z), which no
 * digest can then match. */
bool ms_app_normalise(const char *given, char out[MS_APP_LETTERS + 1]);

/* The stored digest of a normalised password, with a new salt. */
enum ms_status ms_app_digest(const char *normalised,
			     char digest[MS_APP_DIGEST_MAX],
			     struct ms_error *err);

/* Whether `normalised` is the password of `stored`, in constant time. */
bool ms_app_digest_matches(const char *normalised, const char *stored);

/* What is accepted in a record and on the command line. */
/* 1..64 bytes of UTF-8, no controls, not starting with "-". */
bool ms_app_name_valid(const char *name);
/* The length of the character at `s` (1..4) when a name may hold it
 * (well-formed UTF-8, no C0, DEL or C1 control), else 0. */
size_t ms_app_name_char(const unsigned char *s);
bool ms_app_id_valid(const char *id);       /* 16 lower-case hex digits */
bool ms_app_digest_valid(const char *digest);
bool ms_app_service_valid(const char *service); /* [a-z0-9._-], 1..31 */
bool ms_app_cidr_valid(const char *cidr);   /* ADDRESS/BITS, v4 or v6 */

/* Whether `address` (PAM_RHOST) lies inside `cidr`; false for anything
 * that is not an address. An IPv4-mapped IPv6 address is its IPv4 one. */
bool ms_app_cidr_contains(const char *cidr, const char *address);

/* The entry named `name`; -1 when none. */
int ms_app_find(const struct ms_record *record, const char *name);

/* A new entry, all checked (services empty: the default ones): MS_EXISTS
 * when the name is taken, MS_REFUSED at MS_APP_MAX, MS_INVALID for a bad
 * name, service or range, or an expiry not after `now`. The caller fills
 * nothing but what is passed; the password is generated here into
 * `shown`. */
struct ms_app_request {
	const char *name;
	const char *const *services; /* NULL-terminated; NULL: the defaults */
	const char *const *from;     /* NULL-terminated; NULL: any address */
	int64_t expires;             /* 0: never */
};
enum ms_status ms_app_add(struct ms_record *record,
			  const struct ms_app_request *request, time_t now,
			  char shown[MS_APP_SHOWN_MAX], struct ms_error *err);

/* Removes the entry named `name`: MS_NOT_FOUND when there is none. */
enum ms_status ms_app_revoke(struct ms_record *record, const char *name,
			     struct ms_error *err);
/* Removes every entry; how many there were. */
unsigned ms_app_revoke_all(struct ms_record *record);

/* --expires: "YYYY-MM-DD" (the end of that day, UTC: the next midnight)
 * or a number of days 1..MS_APP_DAYS_MAX from `now`. MS_INVALID for
 * anything else or a day already over. */
enum ms_status ms_app_parse_expiry(const char *text, time_t now,
				   int64_t *expires, struct ms_error *err);

enum ms_app_result {
	MS_APP_NONE,         /* no app password matched */
	MS_APP_OK,
	MS_APP_OUT_OF_SCOPE, /* not for this service */
	MS_APP_OUT_OF_RANGE, /* client address outside its ranges */
	MS_APP_NO_ADDRESS,   /* it has ranges, the login no usable address */
	MS_APP_EXPIRED,
};

/* For log lines: "not for this service", "address out of range", ... */
const char *ms_app_result_reason(enum ms_app_result result);

/* The login's side: `given` (as sent) against every entry, then the
 * matching one's scope (`service`, the PAM service), range (`rhost`,
 * PAM_RHOST; NULL or "-" when unset) and expiry at `now`. `*which` is the
 * matching entry's index for any result but MS_APP_NONE. */
enum ms_app_result ms_app_check(const struct ms_record *record,
				const char *given, const char *service,
				const char *rhost, time_t now, int *which);

#endif
