#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <sodium.h>

#include "name.h"
#include "password.h"
#include "recovery.h"
#include "secure.h"
#include "totp.h"

#define HALF 5

static bool base32_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

bool ms_recovery_is_form(const char *code)
{
	if (strlen(code) != MS_RECOVERY_LEN || code[HALF] != '-')
		return false;
	for (size_t i = 0; i < MS_RECOVERY_LEN; i++) {
		if (i != HALF && !base32_lower(ms_ascii_lower(code[i])))
			return false;
	}
	return true;
}

/* 50 random bits as "xxxxx-xxxxx": the first 10 base32 digits of 7 bytes. */
static enum ms_status code_new(char code[MS_RECOVERY_LEN + 1],
			       struct ms_error *err)
{
	unsigned char raw[7];
	char b32[24];
	enum ms_status status;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return ms_fail_errno(err, MS_SYSTEM, errno, "getrandom");
	status = ms_base32_encode(raw, sizeof(raw), b32, sizeof(b32), err);
	if (status != MS_OK)
		goto done;
	for (size_t i = 0; i < 2 * HALF; i++)
		code[i + (i >= HALF)] = ms_ascii_lower(b32[i]);
	code[HALF] = '-';
	code[MS_RECOVERY_LEN] = '\0';
done:
	ms_wipe(raw, sizeof(raw));
	ms_wipe(b32, sizeof(b32));
	return status;
}

static enum ms_status code_and_hash(char code[MS_RECOVERY_LEN + 1],
				    char hash[MS_HASH_MAX],
				    struct ms_error *err)
{
	enum ms_status status = code_new(code, err);

	if (status != MS_OK)
		return status;
	return ms_password_hash(code, NULL, 0, hash, err);
}

enum ms_status ms_recovery_generate(struct ms_record *record,
				    char codes[MS_RECOVERY_COUNT]
					      [MS_RECOVERY_LEN + 1],
				    struct ms_error *err)
{
	char hashes[MS_RECOVERY_COUNT][MS_HASH_MAX];
	enum ms_status status;

	for (unsigned i = 0; i < MS_RECOVERY_COUNT; i++) {
		status = code_and_hash(codes[i], hashes[i], err);
		if (status != MS_OK) {
			ms_wipe(codes, sizeof(codes[0]) * MS_RECOVERY_COUNT);
			return status;
		}
	}
	memcpy(record->totp.recovery, hashes, sizeof(hashes));
	record->totp.n_recovery = MS_RECOVERY_COUNT;
	return MS_OK;
}

int ms_recovery_match(const struct ms_record *record, const char *code)
{
	char lower[MS_RECOVERY_LEN + 1];
	int found = -1;

	if (!ms_recovery_is_form(code))
		return -1;
	for (size_t i = 0; i <= MS_RECOVERY_LEN; i++)
		lower[i] = ms_ascii_lower(code[i]);
	/* Every hash is tried, so the time does not tell which one matched. */
	for (unsigned i = 0; i < record->totp.n_recovery; i++)
		if (ms_password_verify(lower, record->totp.recovery[i]) && found < 0)
			found = (int)i;
	ms_wipe(lower, sizeof(lower));
	return found;
}

uint64_t ms_recovery_set_tag(const struct ms_record *record)
{
	crypto_generichash_state hash;
	unsigned char out[crypto_generichash_BYTES_MIN];
	uint64_t tag;

	crypto_generichash_init(&hash, NULL, 0, sizeof(out));
	for (unsigned i = 0; i < record->totp.n_recovery; i++)
		crypto_generichash_update(&hash,
					  (const unsigned char *)record->totp.recovery[i],
					  strlen(record->totp.recovery[i]) + 1);
	crypto_generichash_final(&hash, out, sizeof(out));
	memcpy(&tag, out, sizeof(tag));
	return tag;
}

uint64_t ms_recovery_code_tag(uint64_t set, const char *code)
{
	uint64_t tag;
	unsigned char out[crypto_generichash_BYTES_MIN];
	crypto_generichash_state hash;
	char lower[MS_RECOVERY_LEN];
	size_t len = strnlen(code, MS_RECOVERY_LEN);

	for (size_t i = 0; i < len; i++)
		lower[i] = ms_ascii_lower(code[i]);
	crypto_generichash_init(&hash, NULL, 0, sizeof(out));
	crypto_generichash_update(&hash, (const unsigned char *)&set,
				  sizeof(set));
	crypto_generichash_update(&hash, (const unsigned char *)lower, len);
	crypto_generichash_final(&hash, out, sizeof(out));
	ms_wipe(&hash, sizeof(hash));
	ms_wipe(lower, sizeof(lower));
	memcpy(&tag, out, sizeof(tag));
	return tag ? tag : 1;
}
