#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "appstate.h"
#include "journal.h"
#include "mailbox.h"
#include "mailbox_ops.h"
#include "password.h"
#include "settings.h"
#include "store.h"
#include "totp.h"

/* Settings and store of the fixture, opened for one library call. */
struct lib {
	struct ms_settings settings;
	struct ms_store store;
	struct ms_error err;
	int lock_fd;
};

static void lib_open(struct lib *lib, const char *name)
{
	memset(lib, 0, sizeof(*lib));
	ck_assert_msg(ms_settings_load(fx.conf, MS_CONF_NAMED, &lib->settings,
				       &lib->err) == MS_OK,
		      "%s", lib->err.msg);
	ck_assert_msg(ms_store_open(&lib->settings, MS_STORE_CREATE, &lib->store,
				    &lib->err) == MS_OK, "%s", lib->err.msg);
	ck_assert_msg(ms_store_lock(&lib->store, name, &lib->lock_fd,
				    &lib->err) == MS_OK, "%s", lib->err.msg);
}

static void lib_close(struct lib *lib)
{
	ck_assert_msg(ms_store_unlock(&lib->store, lib->lock_fd, &lib->err) ==
			      MS_OK, "%s", lib->err.msg);
	ms_store_close(&lib->store);
}

/* "xxxxx-xxxxx" of random lower-case base32. */
static void recovery_code(char code[MS_RECOVERY_LEN + 1])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char raw[MS_RECOVERY_LEN];

	ck_assert_int_eq(getrandom(raw, sizeof(raw), 0), sizeof(raw));
	for (size_t i = 0; i < MS_RECOVERY_LEN; i++)
		code[i] = i == 5 ? '-' : alphabet[raw[i] % 32];
	code[MS_RECOVERY_LEN] = '\0';
}

/* Recovery codes hashed with a cheap method: the module verifies every
 * hash on each try, and the default (yescrypt) is slow under valgrind. */
static void add_recovery(struct mailbox *mb, struct ms_record *record)
{
	struct ms_error err;

	for (unsigned i = 0; i < MS_RECOVERY_COUNT; i++) {
		recovery_code(mb->recovery[i]);
		ck_assert_msg(ms_password_hash(mb->recovery[i], "$5$", 1000,
					       record->totp.recovery[i], &err) == MS_OK,
			      "%s", err.msg);
	}
	record->totp.n_recovery = MS_RECOVERY_COUNT;
}

static void add_totp(struct mailbox *mb, struct ms_record *record,
		     unsigned flags)
{
	struct ms_error err;

	ck_assert_msg(ms_totp_secret_new(mb->secret, &err) == MS_OK, "%s",
		      err.msg);
	strcpy(record->totp.secret, mb->secret);
	record->totp.status = (flags & MB_PENDING) ? MS_TOTP_PENDING
						   : MS_TOTP_ENABLED;
	if (flags & MB_RECOVERY)
		add_recovery(mb, record);
}

static void build_record(struct mailbox *mb, struct ms_record *record,
			 unsigned flags)
{
	struct ms_error err;

	ms_record_defaults(record);
	/* $5$ with few rounds by default: valgrind runs stay short. */
	ck_assert_msg(ms_password_hash(MB_PASSWORD,
				       (flags & MB_YESCRYPT) ? NULL : "$5$",
				       (flags & MB_YESCRYPT) ? 0 : 1000,
				       record->password, &err) == MS_OK,
		      "%s", err.msg);
	record->non_webmail_access = !(flags & MB_NO_CLIENT);
	record->totp.digits = mb->digits;
	record->totp.period = MB_PERIOD;
	if (flags & (MB_2FA | MB_PENDING | MB_RECOVERY))
		add_totp(mb, record, flags);
}

void mb_record_save(const char *name, const struct ms_record *record)
{
	struct lib lib;

	lib_open(&lib, name);
	ck_assert_msg(ms_record_save(&lib.store, name, record, &lib.err) == MS_OK,
		      "%s", lib.err.msg);
	lib_close(&lib);
}

void mb_record_load(const char *name, struct ms_record *record)
{
	struct lib lib;

	lib_open(&lib, name);
	ck_assert_msg(ms_record_load(&lib.store, name, record, &lib.err) == MS_OK,
		      "%s", lib.err.msg);
	lib_close(&lib);
}

void mb_create(struct mailbox *mb, const char *name, unsigned flags)
{
	struct ms_record record;

	memset(mb, 0, sizeof(*mb));
	ck_assert_uint_lt(strlen(name), sizeof(mb->name));
	strcpy(mb->name, name);
	mb->digits = (flags & MB_DIGITS8) ? 8 : 6;
	build_record(mb, &record, flags);
	mb_record_save(name, &record);
	ms_record_wipe(&record);
}

void mb_code(const struct mailbox *mb, int steps, char code[16])
{
	struct ms_totp totp = { mb->secret, MS_SHA1, mb->digits, MB_PERIOD };
	struct ms_error err;
	time_t at = time(NULL) + (time_t)steps * MB_PERIOD;

	ck_assert_msg(ms_totp_generate(&totp, at, code, 16, &err) == MS_OK, "%s",
		      err.msg);
}

void mb_wrong_code(const struct mailbox *mb, char code[16])
{
	char valid[3][16];

	for (int k = -1; k <= 1; k++)
		mb_code(mb, k, valid[k + 1]);
	strcpy(code, valid[1]);
	do
		code[0] = (char)('0' + (code[0] - '0' + 1) % 10);
	while (!strcmp(code, valid[0]) || !strcmp(code, valid[1]) ||
	       !strcmp(code, valid[2]));
}

unsigned long long mb_step(int steps)
{
	return (unsigned long long)(time(NULL) / MB_PERIOD + steps);
}

int64_t mb_step_end(int steps)
{
	return ((int64_t)mb_step(steps) + 1) * MB_PERIOD;
}

const char *mb_join(const char *password, const char *code)
{
	static char joined[256];

	snprintf(joined, sizeof(joined), "%s%s", password, code);
	return joined;
}

void mb_state(const char *name, struct ms_state *state)
{
	struct lib lib;

	lib_open(&lib, name);
	ck_assert_msg(ms_state_load(&lib.store, name, state, &lib.err) == MS_OK,
		      "%s", lib.err.msg);
	lib_close(&lib);
}

void mb_state_save(const char *name, struct ms_state *state)
{
	struct lib lib;

	lib_open(&lib, name);
	ck_assert_msg(ms_state_save(&lib.store, name, state, &lib.err) == MS_OK,
		      "%s", lib.err.msg);
	lib_close(&lib);
}

unsigned mb_journal(const char *name, struct ms_journal_entry *entries,
		    unsigned *damaged)
{
	struct lib lib;
	unsigned count = 0;

	lib_open(&lib, name);
	ck_assert_msg(ms_journal_read(&lib.store, name, entries, &count,
				      damaged, &lib.err) == MS_OK,
		      "%s", lib.err.msg);
	lib_close(&lib);
	return count;
}

void mb_app_add(const char *name, const struct ms_app_request *request,
		char shown[32])
{
	struct ms_mailbox box;
	struct lib lib;

	memset(&box, 0, sizeof(box));
	strcpy(box.name, name);
	lib_open(&lib, name);
	ck_assert(ms_mailbox_load(&lib.store, &box, &lib.err) == MS_OK);
	ck_assert_msg(ms_mailbox_app_add(&box, request, time(NULL), shown,
					 &lib.err) == MS_OK, "%s", lib.err.msg);
	ck_assert(ms_mailbox_save(&lib.store, &box, &lib.err) == MS_OK);
	ms_mailbox_wipe(&box);
	lib_close(&lib);
}

void mb_app_state(const char *name, struct ms_app_state *state)
{
	struct lib lib;

	lib_open(&lib, name);
	ck_assert_msg(ms_app_state_load(&lib.store, name, state, &lib.err) ==
			      MS_OK, "%s", lib.err.msg);
	lib_close(&lib);
}

void mb_unlock(const char *name)
{
	struct ms_mailbox box;
	struct lib lib;

	memset(&box, 0, sizeof(box));
	ck_assert_uint_lt(strlen(name), sizeof(box.name));
	strcpy(box.name, name);
	lib_open(&lib, name);
	ck_assert_msg(ms_mailbox_load(&lib.store, &box, &lib.err) == MS_OK,
		      "%s", lib.err.msg);
	ms_mailbox_unlock(&box, &lib.settings, time(NULL));
	ck_assert_msg(ms_mailbox_save(&lib.store, &box, &lib.err) == MS_OK,
		      "%s", lib.err.msg);
	lib_close(&lib);
	ms_mailbox_wipe(&box);
}

void mb_wait_step_margin(unsigned margin)
{
	const char *env = getenv("MAILSEC_STEP_MARGIN");
	time_t now = time(NULL);
	unsigned left;

	if (env && atoi(env) > 0)
		margin = (unsigned)atoi(env);
	left = MB_PERIOD - (unsigned)(now % MB_PERIOD);
	if (left < margin)
		sleep(left);
	while (time(NULL) / MB_PERIOD == now / MB_PERIOD && left < margin)
		usleep(50 * 1000);
}
