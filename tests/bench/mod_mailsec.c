/* pam_mailsec's side of a store: mailsec.conf (cache off and on, the
 * activity journal off), one
 * record per mailbox written through the record library, and its stacks. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apppass.h"
#include "bench.h"
#include "password.h"
#include "secure.h"
#include "settings.h"
#include "store.h"
#include "totp.h"

static bool conf_write(const char *path, const struct store *st,
		       unsigned cache_ttl, bool journal)
{
	char text[3 * PATH_MAX];
	int n = snprintf(text, sizeof(text),
			 "users_dir = \"%s\";\nstate_dir = \"%s\";\n"
			 "cache_ttl = %u;\nactivity_journal = %s;\n",
			 st->users, st->state, cache_ttl,
			 journal ? "true" : "false");
	int dir_fd = open(st->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *file = strrchr(path, '/') + 1;
	bool ok;

	if (n < 0 || (size_t)n >= sizeof(text) || dir_fd < 0)
		return false;
	ok = file_write_at(dir_fd, file, text, (size_t)n, 0644);
	close(dir_fd);
	return ok;
}

bool mailsec_conf_write(const struct store *st)
{
	return conf_write(st->conf, st, 0, true) &&
	       conf_write(st->conf_cache, st, BENCH_CACHE_TTL, true) &&
	       conf_write(st->conf_nojournal, st, 0, false);
}

/* 2FA enabled (SHA1, 6 digits, 30 s), non-webmail access on. */
static bool record_build(unsigned i, const char *hash,
			 struct ms_record *record)
{
	unsigned char raw[BENCH_SECRET_BYTES];
	struct ms_error err;

	ms_record_defaults(record);
	if (strlen(hash) >= sizeof(record->password))
		return false;
	strcpy(record->password, hash);
	record->totp.status = MS_TOTP_ENABLED;
	record->totp.digits = BENCH_DIGITS;
	record->totp.period = BENCH_PERIOD;
	user_secret(i, raw);
	if (ms_base32_encode(raw, sizeof(raw), record->totp.secret,
			     sizeof(record->totp.secret), &err) != MS_OK) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return false;
	}
	ms_wipe(raw, sizeof(raw));
	return true;
}

/* The text is ms_record_format's, as ms_record_save writes it; written
 * here without its temp file and fsyncs, which would make a store of
 * 100,000 take minutes and measure nothing the bench is about. */
bool mailsec_record_write(int users_fd, unsigned i, const char *hash)
{
	char name[BENCH_NAME_MAX], file[BENCH_NAME_MAX + 8];
	struct ms_record record;
	struct ms_error err;
	char *text = NULL;
	bool ok;

	user_name(i, name);
	ms_file_name(name, "conf", file, sizeof(file));
	if (!record_build(i, hash, &record))
		return false;
	ok = ms_record_format(&record, &text, &err) == MS_OK;
	if (!ok)
		fprintf(stderr, "bench: %s\n", err.msg);
	else
		ok = file_write_at(users_fd, file, text, strlen(text), 0600);
	ms_free_secret(text);
	ms_record_wipe(&record);
	return ok;
}

/* Mailbox i's record, made or changed in place, under its lock. */
typedef bool record_edit_fn(const struct ms_store *store, unsigned i,
			    const char *name, struct ms_record *record,
			    struct ms_error *err);

/* Saves `edit`'s record of each of the first k mailboxes, through the
 * record library (lock, temp file, fsyncs), as mailsecctl would. */
static bool edit_records(const struct store *st, unsigned k,
			 record_edit_fn *edit)
{
	struct ms_settings settings;
	struct ms_store store = { .users_fd = -1, .state_fd = -1 };
	struct ms_error err = { 0 };
	bool ok = ms_settings_load(st->conf, MS_CONF_NAMED, &settings,
				   &err) == MS_OK &&
		  ms_store_open(&settings, MS_STORE_READ, &store, &err) == MS_OK;

	for (unsigned i = 0; ok && i < k; i++) {
		char name[BENCH_NAME_MAX];
		struct ms_record record;
		int lock_fd = -1;

		memset(&record, 0, sizeof(record));
		user_name(i, name);
		ok = ms_store_lock(&store, name, &lock_fd, &err) == MS_OK;
		if (!ok)
			break;
		ok = edit(&store, i, name, &record, &err) &&
		     ms_record_save(&store, name, &record, &err) == MS_OK;
		ok = ms_store_unlock(&store, lock_fd, &err) == MS_OK && ok;
		ms_record_wipe(&record);
	}
	if (!ok)
		fprintf(stderr, "bench: %s\n", err.msg[0] ? err.msg
							 : "a record edit");
	ms_store_close(&store);
	return ok;
}

static bool rehashed(const struct ms_store *store, unsigned i,
		     const char *name, struct ms_record *record,
		     struct ms_error *err)
{
	char hash[MS_HASH_MAX];

	(void)store;
	(void)name;
	return ms_password_hash(BENCH_PASSWORD, NULL, 0, hash, err) == MS_OK &&
	       record_build(i, hash, record);
}

bool mailsec_rehash(const struct store *st, unsigned k)
{
	return edit_records(st, k, rehashed);
}

/* ms_app_add makes the entry (its password random), then its digest is
 * made of the bench's fixed one. */
static bool app_password_add(struct ms_record *record, struct ms_error *err)
{
	struct ms_app_request req = { "bench", NULL, NULL, 0 };
	char shown[MS_APP_SHOWN_MAX], normalised[MS_APP_LETTERS + 1];
	bool ok = ms_app_add(record, &req, time(NULL), shown, err) == MS_OK &&
		  ms_app_normalise(BENCH_APP_PASSWORD, normalised) &&
		  ms_app_digest(normalised, record->apps[record->n_apps - 1].digest,
				err) == MS_OK;

	ms_wipe(shown, sizeof(shown));
	ms_wipe(normalised, sizeof(normalised));
	return ok;
}

static bool with_app_password(const struct ms_store *store, unsigned i,
			      const char *name, struct ms_record *record,
			      struct ms_error *err)
{
	(void)i;
	return ms_record_load(store, name, record, err) == MS_OK &&
	       (record->n_apps > 0 || app_password_add(record, err));
}

bool mailsec_add_app_passwords(const struct store *st, unsigned k)
{
	return edit_records(st, k, with_app_password);
}

bool mailsec_stacks(const struct store *st, const struct modules *mods)
{
	const char *m = mods->mailsec;

	return stack_write(st, "base", "auth required pam_permit.so\n"
				       "account required pam_permit.so\n") &&
	       stack_write(st, "imap",
			   "auth required %s config=%s role=client\n"
			   "account required %s config=%s role=client\n",
			   m, st->conf, m, st->conf) &&
	       stack_write(st, "imap-cache",
			   "auth required %s config=%s role=client\n"
			   "account required %s config=%s role=client\n",
			   m, st->conf_cache, m, st->conf_cache) &&
	       stack_write(st, "webmail",
			   "auth required %s config=%s role=webmail code=prompt\n"
			   "account required %s config=%s role=webmail\n",
			   m, st->conf, m, st->conf) &&
	       stack_write(st, "webmail-code",
			   "auth required %s config=%s role=webmail no_password\n"
			   "account required %s config=%s role=webmail\n",
			   m, st->conf, m, st->conf) &&
	       stack_write(st, "imap-nojournal",
			   "auth required %s config=%s role=client\n"
			   "account required %s config=%s role=client\n",
			   m, st->conf_nojournal, m, st->conf_nojournal) &&
	       stack_write(st, "webmail-code-nojournal",
			   "auth required %s config=%s role=webmail no_password\n"
			   "account required %s config=%s role=webmail\n",
			   m, st->conf_nojournal, m, st->conf_nojournal);
}
