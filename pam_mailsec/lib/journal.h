/* The activity journal, state_dir/MAILBOX.journal: the module's recent
 * decisions on one mailbox, for its owner (mailsecctl activity) and for
 * the "new address" notice. Never a secret: who, when, from where, how.
 *
 * A fixed-size file of MS_JOURNAL_ENTRIES entries, each with its own
 * sequence number and checksum, written in place with one pwrite under
 * a lock on the file itself: no new inode per login, and a torn write can
 * only ever spoil the one entry being written, which readers then skip.
 *
 * A decision like one the journal holds (same role, service, address,
 * result, detail and app password) counts on that entry, which becomes
 * the newest; any other takes a free entry, else a damaged one (torn, or
 * of an unknown version), else: a refusal the oldest refused entry, an
 * acceptance (or a refusal when none is refused) the oldest entry
 * (journal_note.c says how a writer tells them apart cheaply). So the
 * journal keeps the last MS_JOURNAL_ENTRIES kinds of activity, a webmail
 * that logs in at every request, or a guesser from one address, takes one
 * entry, not all of them, and a refusal never replaces an acceptance
 * while a refused entry is there to replace: a guesser with many
 * addresses cannot erase the logins that got in. */
#ifndef MAILSEC_JOURNAL_H
#define MAILSEC_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "authkind.h"
#include "codecheck.h"
#include "error.h"
#include "policy.h"
#include "record.h"
#include "store.h"

#define MS_JOURNAL_ENTRIES 64
#define MS_JOURNAL_SERVICE_MAX 32 /* NUL included; longer ones are cut */
#define MS_JOURNAL_RHOST_MAX 46   /* an IPv6 address in text, NUL included */
/* Sequence numbers stop here (a tampered entry could claim any): ties
 * then, never a wrap to 0, which is no entry's. */
#define MS_JOURNAL_SEQ_MAX (UINT64_C(1) << 62)

enum ms_journal_result { MS_JOURNAL_ACCEPTED, MS_JOURNAL_REFUSED };

/* How a login passed, or why it was refused. */
enum ms_journal_detail {
	MS_JOURNAL_PASSWORD,          /* "password": no code was needed */
	MS_JOURNAL_CODE,              /* "code": password (if asked) and code */
	MS_JOURNAL_RECOVERY,          /* "recovery": a recovery code */
	MS_JOURNAL_SESSION,           /* "session": a webmail session resumed */
	MS_JOURNAL_APP_PASSWORD,      /* "app-password", with its name */
	MS_JOURNAL_BAD_PASSWORD,      /* "bad-password", an empty one too */
	MS_JOURNAL_MISSING_CODE,      /* "missing-code" */
	MS_JOURNAL_BAD_CODE,          /* "bad-code" */
	MS_JOURNAL_REPLAY,            /* "replay": a code already used */
	MS_JOURNAL_LOCKED,            /* "locked": codes refused for a while */
	MS_JOURNAL_NON_WEBMAIL_OFF,   /* "non-webmail-off" */
	MS_JOURNAL_APP_PASSWORDS_ONLY, /* "app-passwords-only": the password */
	MS_JOURNAL_APP_PASSWORD_REFUSED, /* "app-password-refused", its name:
					  * expired, wrong service or address */
	MS_JOURNAL_DETAIL_COUNT
};

/* The word for `detail` ("password", "bad-code", ...), NULL if unknown. */
const char *ms_journal_detail_name(enum ms_journal_detail detail);
/* "accepted", "refused". */
const char *ms_journal_result_name(enum ms_journal_result result);

/* The detail of a code check's result; MS_JOURNAL_DETAIL_COUNT for
 * MS_CODE_ERROR, a failure of the module's own, which is not noted. */
enum ms_journal_detail ms_journal_detail_of_code(enum ms_code_result result);

/* The detail of an accepted login of `kind`; MS_JOURNAL_DETAIL_COUNT for
 * MS_AUTH_UNKNOWN. */
enum ms_journal_detail ms_journal_detail_of_auth(enum ms_auth_kind kind);

/* One decision, as the module tells it. Text fields are cut to fit. */
struct ms_journal_event {
	int64_t time;
	enum ms_role role;
	enum ms_journal_result result;
	enum ms_journal_detail detail;
	const char *service;
	const char *rhost; /* NULL, "" or "-": none given */
	const char *app;   /* the app password's name, or NULL */
};

struct ms_journal_entry {
	uint64_t seq;  /* orders the entries; 0 when the entry is free */
	int64_t time;  /* the newest decision counted on this entry */
	int64_t first; /* the oldest one */
	uint32_t count;
	enum ms_role role;
	enum ms_journal_result result;
	enum ms_journal_detail detail;
	char service[MS_JOURNAL_SERVICE_MAX];
	char rhost[MS_JOURNAL_RHOST_MAX]; /* "" when the login had none */
	char app[MS_APP_NAME_MAX];        /* "" unless an app password's */
};

/* Takes the journal's lock, counts `event` in the journal of `name` (made
 * 0600 when missing, but only while the record of `name` exists: for a
 * login decided after its mailbox's removal it notes nothing, MS_OK),
 * and sets *new_address when the event is accepted,
 * has an address, and no accepted entry of the journal had that address
 * before. Callers in the login path log a failure and go on: a login never
 * fails for its journal. With activity_journal false, does nothing (and
 * *new_address is false). */
enum ms_status ms_journal_note(const struct ms_store *store, const char *name,
			       const struct ms_journal_event *event,
			       bool *new_address, struct ms_error *err);

/* The journal's valid entries, newest first, into `entries` (*count of
 * them), and into *damaged how many entries were neither free nor valid
 * (torn, tampered with, of an unknown format). A missing journal is an
 * empty one. MS_OK even with damaged entries: a caller that judges the
 * file (check-config) reports them. */
enum ms_status ms_journal_read(const struct ms_store *store, const char *name,
			       struct ms_journal_entry entries[MS_JOURNAL_ENTRIES],
			       unsigned *count, unsigned *damaged,
			       struct ms_error *err);

/* The valid entries of a journal's bytes (`len` of them; what a short
 * file lacks reads as free entries), as ms_journal_read gives them. */
void ms_journal_decode(const unsigned char *data, size_t len,
		       struct ms_journal_entry entries[MS_JOURNAL_ENTRIES],
		       unsigned *count, unsigned *damaged);

/* The newest accepted entry of `role` among `entries` (as read), or NULL. */
const struct ms_journal_entry *
ms_journal_last_accepted(const struct ms_journal_entry *entries,
			 unsigned count, enum ms_role role);

/* Deletes the journal of `name` (call under the mailbox lock); a missing
 * one is MS_OK. */
enum ms_status ms_journal_remove(const struct ms_store *store, const char *name,
				 struct ms_error *err);

#endif
