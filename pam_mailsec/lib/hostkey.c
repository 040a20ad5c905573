#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <sodium.h>

#include "hostkey.h"
#include "secure.h"
#include "store_files.h"

/* A leading dot: no mailbox name can ever collide with it. */
#define HOSTKEY_FILE ".mailsec-hostkey"
#define HEX_LEN (2 * MS_HOSTKEY_BYTES)

static enum ms_status key_read(const struct ms_store *store,
			       unsigned char key[MS_HOSTKEY_BYTES],
			       struct ms_error *err)
{
	char *text = NULL;
	size_t len = 0, bin_len = 0;
	enum ms_status status = ms_file_read(store->state_fd,
					     store->settings->state_dir,
					     HOSTKEY_FILE, &text, &len, err);

	if (status != MS_OK)
		return status;
	if (len < HEX_LEN ||
	    sodium_hex2bin(key, MS_HOSTKEY_BYTES, text, HEX_LEN, NULL, &bin_len,
			   NULL) != 0 ||
	    bin_len != MS_HOSTKEY_BYTES)
		status = ms_fail(err, MS_INVALID, "%s/%s: not a host key",
				 store->settings->state_dir, HOSTKEY_FILE);
	ms_free_secret(text);
	return status;
}

static enum ms_status key_create(const struct ms_store *store,
				 struct ms_error *err)
{
	unsigned char key[MS_HOSTKEY_BYTES];
	char hex[HEX_LEN + 2];
	enum ms_status status;

	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
		return ms_fail_errno(err, MS_SYSTEM, errno, "getrandom");
	sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
	strcat(hex, "\n");
	status = ms_file_create(store->state_fd, store->settings->state_dir,
				HOSTKEY_FILE, hex, HEX_LEN + 1, err);
	ms_wipe(key, sizeof(key));
	ms_wipe(hex, sizeof(hex));
	/* Another process made it first: use theirs. */
	return status == MS_EXISTS ? MS_OK : status;
}

enum ms_status ms_files_host_key(const struct ms_store *store,
				 unsigned char key[MS_HOSTKEY_BYTES],
				 struct ms_error *err)
{
	enum ms_status status = key_read(store, key, err);

	if (status != MS_NOT_FOUND)
		return status;
	/* Absent (or made by another process meanwhile) is no error: the
	 * caller must not find one left in `err` after success. */
	ms_error_clear(err);
	status = key_create(store, err);
	if (status != MS_OK)
		return status;
	ms_error_clear(err);
	return key_read(store, key, err);
}

/* Replaced whole, as a record is: a reader sees the old key or the new. */
enum ms_status ms_files_set_host_key(const struct ms_store *store,
				     const unsigned char key[MS_HOSTKEY_BYTES],
				     struct ms_error *err)
{
	char hex[HEX_LEN + 2];
	enum ms_status status;

	sodium_bin2hex(hex, sizeof(hex), key, MS_HOSTKEY_BYTES);
	strcat(hex, "\n");
	status = ms_file_replace(store->state_fd, store->settings->state_dir,
				 HOSTKEY_FILE, hex, HEX_LEN + 1, err);
	ms_wipe(hex, sizeof(hex));
	return status;
}

enum ms_status ms_hostkey_get(const struct ms_store *store,
			      unsigned char key[MS_HOSTKEY_BYTES],
			      struct ms_error *err)
{
	return store->ops->host_key(store, key, err);
}

_Static_assert(MS_HOSTKEY_MAC_BYTES == crypto_auth_hmacsha256_BYTES,
	       "MAC size");

enum ms_status ms_hostkey_mac(const struct ms_store *store,
			      const char *const parts[], size_t n,
			      unsigned char mac[MS_HOSTKEY_MAC_BYTES],
			      struct ms_error *err)
{
	unsigned char key[MS_HOSTKEY_BYTES];
	crypto_auth_hmacsha256_state state;
	enum ms_status status = ms_hostkey_get(store, key, err);

	if (status != MS_OK) {
		ms_wipe(key, sizeof(key));
		return status;
	}
	crypto_auth_hmacsha256_init(&state, key, sizeof(key));
	for (size_t i = 0; i < n; i++)
		crypto_auth_hmacsha256_update(&state,
					      (const unsigned char *)parts[i],
					      strlen(parts[i]) + 1);
	crypto_auth_hmacsha256_final(&state, mac);
	ms_wipe(key, sizeof(key));
	ms_wipe(&state, sizeof(state));
	return MS_OK;
}
