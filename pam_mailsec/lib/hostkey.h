/* The host's secret MAC key, state_dir/.mailsec-hostkey (root only, made on
 * first use). It keys webmail session tags and credential-cache entries, so
 * that the state file holds nothing an attacker could replay or brute-force
 * offline without it. */
#ifndef MAILSEC_HOSTKEY_H
#define MAILSEC_HOSTKEY_H

#include "error.h"
#include "store.h"

#include <stddef.h>

#define MS_HOSTKEY_BYTES 32
#define MS_HOSTKEY_MAC_BYTES 32 /* HMAC-SHA256 */

enum ms_status ms_hostkey_get(const struct ms_store *store,
			      unsigned char key[MS_HOSTKEY_BYTES],
			      struct ms_error *err);

/* HMAC-SHA256 under the host key of `n` strings, each with its NUL so that
 * no two lists run together. parts[0] names the use ("mailsec-session-1"):
 * a tag made for one use never passes for another. */
enum ms_status ms_hostkey_mac(const struct ms_store *store,
			      const char *const parts[], size_t n,
			      unsigned char mac[MS_HOSTKEY_MAC_BYTES],
			      struct ms_error *err);

#endif
