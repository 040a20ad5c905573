/* A login's code check on an arbitrary state file, code and clock: a fixed
 * record with 2FA on (a fixed secret, SHA1, 6 digits, 30 s, a few recovery
 * codes made once per process), the state file in a private store
 * (fuzz_store.h). Input: codecheck_input.h.
 *
 * What must hold whatever the input, seen through the public API only:
 * the result is one of the enum's; a state that cannot be read gives
 * MS_CODE_ERROR and one that can never does; a locked state gives
 * MS_CODE_LOCKED; no code is MS_CODE_MISSING; a code accepted once is not
 * accepted again at the same time; and on a fresh state the right code
 * is accepted. */
#include "config.h"

#include "codecheck.h"
#include "codecheck_input.h"
#include "fuzz.h"
#include "fuzz_store.h"
#include "password.h"
#include "recovery.h"
#include "state.h"
#include "totp.h"

/* RFC 6238's test secret, "12345678901234567890": a crash found with a
 * literal code replays in another process. */
#define SECRET "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static struct ms_record record;
static char recovery_codes[MS_RECOVERY_COUNT][MS_RECOVERY_LEN + 1];
static const unsigned char session_tag[MS_SESSION_TAG_BYTES] = { 0x5e, 0x55 };
static const struct ms_state fresh; /* all zero */

/* The codes are the library's; their hashes are cheap ones (the method
 * is no concern here, and every recovery-form input tries them all). */
static void record_make(void)
{
	struct ms_error err = { 0 };

	record.totp.status = MS_TOTP_ENABLED;
	strcpy(record.totp.secret, SECRET);
	record.totp.algorithm = MS_SHA1;
	record.totp.digits = 6;
	record.totp.period = FUZZ_PERIOD;
	if (ms_recovery_generate(&record, recovery_codes, &err) != MS_OK)
		abort();
	for (unsigned i = 0; i < FUZZ_RECOVERY_STORED; i++)
		if (ms_password_hash(recovery_codes[i], "$5$", 1000,
				     record.totp.recovery[i], &err) != MS_OK)
			abort();
	record.totp.n_recovery = FUZZ_RECOVERY_STORED;
}

enum code_kind { CODE_LITERAL, CODE_TOTP, CODE_RECOVERY };

struct login {
	time_t now;
	char code[FUZZ_CODE_LEN_MASK + 1];
	enum code_kind kind;
	int which; /* CODE_TOTP: steps from now; CODE_RECOVERY: index */
	const unsigned char *session_tag;
};

static void totp_code(struct login *login, uint8_t d)
{
	const struct ms_totp totp = { SECRET, MS_SHA1, 6, FUZZ_PERIOD };
	struct ms_error err = { 0 };

	login->kind = CODE_TOTP;
	login->which = d % 5 - 2;
	if (ms_totp_generate(&totp, login->now + login->which * FUZZ_PERIOD,
			     login->code, sizeof(login->code), &err) != MS_OK)
		abort();
}

/* The code the input stands for (codecheck_input.h). */
static void code_read(struct login *login, const uint8_t *bytes, size_t len)
{
	memcpy(login->code, bytes, len);
	login->code[len] = '\0';
	login->kind = CODE_LITERAL;
	if (len != 2)
		return;
	if (bytes[0] == '=') {
		totp_code(login, bytes[1]);
	} else if (bytes[0] == '#') {
		login->kind = CODE_RECOVERY;
		login->which = bytes[1] % MS_RECOVERY_COUNT;
		strcpy(login->code, recovery_codes[login->which]);
	}
}

/* The first part of the input into `login`; the state file is the rest.
 * False when the input is too short to say. */
static bool login_read(struct login *login, const uint8_t **data,
		       size_t *size)
{
	int64_t offset;
	size_t len;

	if (*size < FUZZ_HEAD_SIZE)
		return false;
	memcpy(&offset, *data, sizeof(offset));
	login->now = (time_t)(FUZZ_BASE_TIME + offset % FUZZ_TIME_SPAN);
	len = (*data)[8] & FUZZ_CODE_LEN_MASK;
	login->session_tag = (*data)[8] & FUZZ_SESSION_BIT ? session_tag : NULL;
	if (*size < FUZZ_HEAD_SIZE + len)
		return false;
	code_read(login, *data + FUZZ_HEAD_SIZE, len);
	*data += FUZZ_HEAD_SIZE + len;
	*size -= FUZZ_HEAD_SIZE + len;
	return true;
}

static enum ms_code_result check(const struct login *login)
{
	struct ms_error err = { 0 };
	int64_t locked_until;
	enum ms_code_result result =
		ms_code_check(&fuzz_store, FUZZ_NAME, &record, login->code,
			      login->now, login->session_tag, &locked_until,
			      &err);

	FUZZ_CHECK(result >= MS_CODE_OK && result <= MS_CODE_ERROR);
	FUZZ_CHECK(!locked_until || (result == MS_CODE_WRONG &&
				     locked_until > (int64_t)login->now));
	return result;
}

/* What the right code does to a fresh state (nothing used, no failures). */
static void check_fresh(const struct login *login, enum ms_code_result result)
{
	/* Only one way: a code two steps away may equal one inside the
	 * window (one in a million), and is then rightly accepted. */
	if (login->kind == CODE_TOTP && login->which >= -1 && login->which <= 1)
		FUZZ_CHECK(result == MS_CODE_OK);
	if (login->kind == CODE_RECOVERY)
		FUZZ_CHECK((result == MS_CODE_RECOVERY_OK) ==
			   (login->which < FUZZ_RECOVERY_STORED));
}

static void check_readable(const struct login *login,
			   const struct ms_state *before,
			   enum ms_code_result result)
{
	static struct ms_state after;
	struct ms_error err = { 0 };
	enum ms_code_result again;

	FUZZ_CHECK(result != MS_CODE_ERROR);
	if (ms_state_locked(before, login->now))
		FUZZ_CHECK(result == MS_CODE_LOCKED);
	else if (!login->code[0])
		FUZZ_CHECK(result == MS_CODE_MISSING);
	if (memcmp(before, &fresh, sizeof(fresh)) == 0)
		check_fresh(login, result);
	FUZZ_CHECK(ms_state_load(&fuzz_store, FUZZ_NAME, &after, &err) ==
		   MS_OK);
	if (result != MS_CODE_OK && result != MS_CODE_RECOVERY_OK)
		return;
	/* Replay: the same code at the same time, once more. */
	again = check(login);
	FUZZ_CHECK(again != MS_CODE_OK && again != MS_CODE_RECOVERY_OK &&
		   again != MS_CODE_ERROR);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct login login;
	static struct ms_state before;
	struct ms_error err = { 0 };
	enum ms_status loaded;
	enum ms_code_result result;

	if (!record.totp.n_recovery)
		record_make();
	if (!login_read(&login, &data, &size))
		return 0;
	fuzz_store_open(FUZZ_NAME);
	fuzz_state_put(data, size);
	loaded = ms_state_load(&fuzz_store, FUZZ_NAME, &before, &err);
	result = check(&login);
	if (loaded == MS_OK)
		check_readable(&login, &before, result);
	else
		FUZZ_CHECK(result == MS_CODE_ERROR);
	return 0;
}
