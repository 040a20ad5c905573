/* A mailbox record, users_dir/MAILBOX.conf: libconfig text holding
 * version, password (a crypt(3) hash), non_webmail_access and a totp group
 * (status, secret, algorithm, digits, period, recovery hashes). */
#ifndef MAILSEC_RECORD_H
#define MAILSEC_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "store.h"
#include "totp_params.h"

#define MS_HASH_MAX 256          /* a crypt(3) string, NUL included */
#define MS_SECRET_B32_MAX 208    /* base32 of up to 128 bytes, NUL included */
#define MS_RECOVERY_MAX 16       /* stored recovery hashes at most */
#define MS_RECORD_DIGEST_BYTES 32 /* crypto_generichash_BYTES */

enum ms_totp_status { MS_TOTP_OFF, MS_TOTP_PENDING, MS_TOTP_ENABLED };

/* A record file's bytes as ms_record_load read them, hashed: two loads
 * give the same digest only when the file did not change between them. */
struct ms_record_digest {
	unsigned char bytes[MS_RECORD_DIGEST_BYTES];
};

struct ms_record {
	char password[MS_HASH_MAX];
	bool non_webmail_access;
	struct {
		enum ms_totp_status status;
		char secret[MS_SECRET_B32_MAX]; /* base32; "" when off */
		enum ms_algorithm algorithm;
		unsigned digits;
		unsigned period;
		char recovery[MS_RECOVERY_MAX][MS_HASH_MAX];
		unsigned n_recovery;
	} totp;
	/* Of the file it was loaded from; all zero when it was not loaded
	 * (parsed from text, or built in memory). */
	struct ms_record_digest digest;
};

const char *ms_totp_status_name(enum ms_totp_status status);

/* What a record holds unless it says otherwise: non-webmail access on,
 * 2FA off. A missing key of a record file reads as this, and a new
 * mailbox starts as this (ms_mailbox_create). */
void ms_record_defaults(struct ms_record *record);

/* 2FA off: the secret and recovery hashes wiped, the TOTP parameters back
 * to their defaults. */
void ms_record_totp_off(struct ms_record *record);

/* Parses record text. `shown` (the file's path) prefixes every message, with
 * the line where libconfig knows it: "PATH:LINE: ...". MS_INVALID on any
 * syntax error, missing or unknown key, or out-of-range value. */
enum ms_status ms_record_parse(const char *text, const char *shown,
			       struct ms_record *record, struct ms_error *err);

/* Formats a record as libconfig text in a heap buffer that the caller
 * wipes and frees (ms_free_secret). */
enum ms_status ms_record_format(const struct ms_record *record, char **text,
				struct ms_error *err);

/* Loads users_dir/NAME.conf, its digest included. MS_NOT_FOUND when there
 * is none. */
enum ms_status ms_record_load(const struct ms_store *store, const char *name,
			      struct ms_record *record, struct ms_error *err);

/* Whether `record`, loaded now, is the very record an earlier load gave
 * `then` for: MS_OK, or MS_REFUSED "NAME: the mailbox changed while DOING".
 * The digest of a record not loaded from a file (all zero) matches
 * nothing. This is how a decision made on one load (a credential checked
 * against it) is kept from acting on another. */
enum ms_status ms_record_unchanged(const struct ms_record *record,
				   const struct ms_record_digest *then,
				   const char *name, const char *doing,
				   struct ms_error *err);

/* Atomically writes users_dir/NAME.conf. Call under ms_store_lock. */
enum ms_status ms_record_save(const struct ms_store *store, const char *name,
			      const struct ms_record *record,
			      struct ms_error *err);

/* Whether users_dir/NAME.conf exists (MS_OK), not (MS_NOT_FOUND), or
 * cannot be told (MS_SYSTEM). */
enum ms_status ms_record_exists(const struct ms_store *store, const char *name,
				struct ms_error *err);

/* ms_store_lock for a mailbox that has a record: MS_NOT_FOUND ("NAME: no
 * such mailbox") without making a lock file when it has none, so that
 * names that never were mailboxes leave nothing in state_dir. A record
 * removed between the look and the lock leaves its lock file, which
 * existed already (lock files are never deleted); the caller's load
 * under the lock then finds no record. */
enum ms_status ms_record_lock(const struct ms_store *store, const char *name,
			      int *lock_fd, struct ms_error *err);

enum ms_status ms_record_remove(const struct ms_store *store, const char *name,
				struct ms_error *err);

/* Clears the secret and hashes. */
void ms_record_wipe(struct ms_record *record);

#endif
