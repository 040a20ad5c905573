/* A mailbox record, users_dir/MAILBOX.conf: libconfig text holding
 * version, password (a crypt(3) hash), non_webmail_access,
 * app_passwords_only (written only when true), a totp group (status,
 * secret, algorithm, digits, period, recovery hashes) and an app_passwords
 * list (written only when not empty; apppass.h). */
#ifndef MAILSEC_RECORD_H
#define MAILSEC_RECORD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"
#include "totp_params.h"

#define MS_HASH_MAX 256          /* a crypt(3) string, NUL included */
#define MS_SECRET_B32_MAX 208    /* base32 of up to 128 bytes, NUL included */
#define MS_RECOVERY_MAX 16       /* stored recovery hashes at most */
#define MS_RECORD_DIGEST_BYTES 32 /* crypto_generichash_BYTES */

#define MS_APP_MAX 20              /* app passwords per mailbox */
#define MS_APP_ID_MAX 17           /* 16 hex digits, NUL included */
#define MS_APP_NAME_MAX 65         /* 1..64 bytes, NUL included */
#define MS_APP_DIGEST_MAX 112      /* "blake2b$SALT$DIGEST" in hex */
#define MS_APP_SERVICES_MAX 8
#define MS_APP_SERVICE_MAX 32      /* a PAM service name, NUL included */
#define MS_APP_FROM_MAX 8
#define MS_APP_CIDR_MAX 48         /* "ffff:...:ffff/128", NUL included */

enum ms_totp_status { MS_TOTP_OFF, MS_TOTP_PENDING, MS_TOTP_ENABLED };

/* A record file's bytes as ms_record_load read them, hashed: two loads
 * give the same digest only when the file did not change between them. */
struct ms_record_digest {
	unsigned char bytes[MS_RECORD_DIGEST_BYTES];
};

/* An app password as stored: never the password itself (apppass.h). */
struct ms_app_password {
	char id[MS_APP_ID_MAX];
	char name[MS_APP_NAME_MAX];
	char digest[MS_APP_DIGEST_MAX];
	char services[MS_APP_SERVICES_MAX][MS_APP_SERVICE_MAX];
	unsigned n_services;
	char from[MS_APP_FROM_MAX][MS_APP_CIDR_MAX]; /* none: any address */
	unsigned n_from;
	int64_t created;
	int64_t expires; /* 0: never */
};

struct ms_record {
	char password[MS_HASH_MAX];
	bool non_webmail_access;
	/* Only with non_webmail_access: the password is refused there. */
	bool app_passwords_only;
	struct {
		enum ms_totp_status status;
		char secret[MS_SECRET_B32_MAX]; /* base32; "" when off */
		enum ms_algorithm algorithm;
		unsigned digits;
		unsigned period;
		char recovery[MS_RECOVERY_MAX][MS_HASH_MAX];
		unsigned n_recovery;
	} totp;
	struct ms_app_password apps[MS_APP_MAX];
	unsigned n_apps;
	/* Of the file it was loaded from; all zero when it was not loaded
	 * (parsed from text, or built in memory). */
	struct ms_record_digest digest;
	/* What it was loaded from, for ms_record_current; all zero
	 * likewise: the file's identity on the file store, the record's
	 * version (db_driver.h) on the database. */
	struct ms_file_id file_id;
	int64_t version;
};

const char *ms_totp_status_name(enum ms_totp_status status);

/* Which of the three settings the record holds, and sets it. */
enum ms_non_webmail ms_record_non_webmail(const struct ms_record *record);
void ms_record_set_non_webmail(struct ms_record *record,
			       enum ms_non_webmail mode);

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

/* ms_record_parse of the bytes a store read (`len` of them), and the
 * digest of those bytes into record->digest: what every store's load
 * makes of a record, so that a digest means the same on each. */
enum ms_status ms_record_parse_loaded(const char *text, size_t len,
				      const char *shown,
				      struct ms_record *record,
				      struct ms_error *err);

/* Formats a record as libconfig text in a heap buffer that the caller
 * wipes and frees (ms_free_secret). */
enum ms_status ms_record_format(const struct ms_record *record, char **text,
				struct ms_error *err);

/* Loads users_dir/NAME.conf, its digest included. MS_NOT_FOUND when there
 * is none. */
enum ms_status ms_record_load(const struct ms_store *store, const char *name,
			      struct ms_record *record, struct ms_error *err);

/* Whether users_dir/NAME.conf is still the file `record` was loaded from:
 * one fstatat, no read. A decision that took long (a password hash, a
 * prompt) checks it before it admits a login, so that a login that read
 * the record before a change (passwd, non-webmail disable, remove) cannot
 * open a session after the change and its kick_command have run. */
bool ms_record_current(const struct ms_store *store, const char *name,
		       const struct ms_record *record);

/* users_dir/NAME.conf as a path into `out`; false when it does not fit. */
bool ms_record_path(const struct ms_settings *settings, const char *name,
		    char out[PATH_MAX]);

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
