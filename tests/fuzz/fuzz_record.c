/* The record parser on arbitrary text, and format → parse on whatever it
 * accepts: a record that mailsecctl can write must read back the same. */
#include "config.h"

#include "cfgparse.h"
#include "fuzz.h"
#include "record.h"
#include "secure.h"
#include "totp.h"

#define SHOWN "/etc/mailsec/users/fuzz@example.com.conf"

static void check_string(const char *s, size_t size)
{
	FUZZ_CHECK(strnlen(s, size) < size);
	FUZZ_CHECK(ms_cfg_printable(s));
}

/* What the record type promises every caller after a successful parse. */
static void check_valid(const struct ms_record *r)
{
	check_string(r->password, sizeof(r->password));
	FUZZ_CHECK(r->password[0] != '\0');
	FUZZ_CHECK(r->totp.status <= MS_TOTP_ENABLED);
	FUZZ_CHECK(r->totp.algorithm <= MS_SHA512);
	FUZZ_CHECK(r->totp.digits >= MS_DIGITS_MIN &&
		   r->totp.digits <= MS_DIGITS_MAX);
	FUZZ_CHECK(r->totp.period >= MS_PERIOD_MIN &&
		   r->totp.period <= MS_PERIOD_MAX);
	check_string(r->totp.secret, sizeof(r->totp.secret));
	if (r->totp.status != MS_TOTP_OFF)
		FUZZ_CHECK(ms_totp_secret_valid(r->totp.secret));
	FUZZ_CHECK(r->totp.n_recovery <= MS_RECOVERY_MAX);
	for (unsigned i = 0; i < r->totp.n_recovery; i++) {
		check_string(r->totp.recovery[i], sizeof(r->totp.recovery[i]));
		FUZZ_CHECK(r->totp.recovery[i][0] != '\0');
	}
}

/* With 2FA off the formatter writes only the status (a stale secret or
 * stale hashes are dropped on purpose), so only what it writes must
 * survive. */
static void check_same(const struct ms_record *a, const struct ms_record *b)
{
	FUZZ_CHECK(strcmp(a->password, b->password) == 0);
	FUZZ_CHECK(a->non_webmail_access == b->non_webmail_access);
	FUZZ_CHECK(a->totp.status == b->totp.status);
	if (a->totp.status == MS_TOTP_OFF)
		return;
	FUZZ_CHECK(strcmp(a->totp.secret, b->totp.secret) == 0);
	FUZZ_CHECK(a->totp.algorithm == b->totp.algorithm);
	FUZZ_CHECK(a->totp.digits == b->totp.digits);
	FUZZ_CHECK(a->totp.period == b->totp.period);
	FUZZ_CHECK(a->totp.n_recovery == b->totp.n_recovery);
	for (unsigned i = 0; i < a->totp.n_recovery; i++)
		FUZZ_CHECK(strcmp(a->totp.recovery[i], b->totp.recovery[i]) == 0);
}

static void round_trip(const struct ms_record *first)
{
	struct ms_record again;
	struct ms_error err = { 0 };
	char *text = NULL, *text_again = NULL;

	FUZZ_CHECK(ms_record_format(first, &text, &err) == MS_OK);
	if (ms_record_parse(text, SHOWN, &again, &err) != MS_OK) {
		fprintf(stderr, "formatted record refused: %s\n%s", err.msg, text);
		abort();
	}
	check_same(first, &again);
	/* Formatting is a fixed point: a save of a loaded record changes
	 * nothing. */
	FUZZ_CHECK(ms_record_format(&again, &text_again, &err) == MS_OK);
	FUZZ_CHECK(strcmp(text, text_again) == 0);
	free(text);
	free(text_again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_record record;
	struct ms_error err = { 0 };
	char *text = fuzz_cstring(data, size);
	enum ms_status status = ms_record_parse(text, SHOWN, &record, &err);

	if (status == MS_OK) {
		check_valid(&record);
		round_trip(&record);
	} else {
		FUZZ_CHECK(status == MS_INVALID);
		FUZZ_CHECK(strncmp(err.msg, SHOWN ":", strlen(SHOWN ":")) == 0);
		FUZZ_CHECK(record.password[0] == '\0');
	}
	free(text);
	return 0;
}
