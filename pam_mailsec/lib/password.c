#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <string.h>

#include "password.h"
#include "secure.h"

bool ms_password_usable(const char *password)
{
	return password && password[0] != '\0';
}

enum ms_status ms_password_hash(const char *password, const char *prefix,
				unsigned long rounds, char hash[MS_HASH_MAX],
				struct ms_error *err)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data data;
	const char *out;
	enum ms_status status = MS_OK;

	if (!ms_password_usable(password))
		return ms_fail(err, MS_INVALID, "empty password");
	/* NULL entropy: libxcrypt draws the salt from the OS itself. */
	if (!crypt_gensalt_rn(prefix, rounds, NULL, 0, setting, sizeof(setting)))
		return ms_fail_errno(err, MS_SYSTEM, errno,
				     "cannot make a password salt");
	memset(&data, 0, sizeof(data));
	out = crypt_r(password, setting, &data);
	if (!out || out[0] == '*')
		status = ms_fail_errno(err, MS_SYSTEM, errno,
				       "cannot hash the password");
	else if (strlen(out) >= MS_HASH_MAX)
		status = ms_fail(err, MS_SYSTEM, "password hash too long");
	else
		strcpy(hash, out);
	ms_wipe(&data, sizeof(data));
	return status;
}

bool ms_password_verify(const char *password, const char *hash)
{
	struct crypt_data data;
	const char *out;
	bool match;

	if (!ms_password_usable(password))
		return false;
	memset(&data, 0, sizeof(data));
	out = crypt_r(password, hash, &data);
	/* crypt_r signals a bad setting with a string starting with '*'. */
	match = out && out[0] != '*' && ms_streq_ct(out, hash);
	ms_wipe(&data, sizeof(data));
	return match;
}

void ms_password_dummy_verify(const char *password)
{
	/* Any fixed salt will do: only the cost of the method matters. */
	static const char entropy[16] = "mailsec-dummy-01";
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];

	if (crypt_gensalt_rn(NULL, 0, entropy, sizeof(entropy), setting,
			     sizeof(setting)))
		(void)ms_password_verify(password, setting);
}
