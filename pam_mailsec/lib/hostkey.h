/* The host's secret MAC key, state_dir/.mailsec-hostkey (root only, made on
 * first use). It keys webmail session tags, so that the state file holds
 * nothing an attacker could replay or brute-force offline. */
#ifndef MAILSEC_HOSTKEY_H
#define MAILSEC_HOSTKEY_H

#include "error.h"
#include "store.h"

#define MS_HOSTKEY_BYTES 32

enum ms_status ms_hostkey_get(const struct ms_store *store,
			      unsigned char key[MS_HOSTKEY_BYTES],
			      struct ms_error *err);

#endif
