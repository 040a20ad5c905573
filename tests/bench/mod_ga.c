/* pam_google_authenticator's side of a store: one secret file per user,
 * found through secret=DIR/${USER} with user= the running euid's name, so
 * that no system account per mailbox is needed (GA switches to `user=`
 * to read the file, and wants it owned by that user, mode 0600). Two sets:
 * plain TOTP, and TOTP with DISALLOW_REUSE (GA's replay protection, which
 * rewrites the file on every success). WINDOW_SIZE 3 is step-1..step+1,
 * as pam_mailsec's default window = 1. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <liboath/oath.h>

#include "bench.h"
#include "secure.h"

bool ga_file_write(int dir_fd, unsigned i, bool reuse)
{
	unsigned char raw[BENCH_SECRET_BYTES];
	char name[BENCH_NAME_MAX], text[256];
	char *b32 = NULL;
	size_t b32_len = 0;
	int n;

	user_name(i, name);
	user_secret(i, raw);
	if (oath_base32_encode((const char *)raw, sizeof(raw), &b32,
			       &b32_len) != OATH_OK)
		return false;
	n = snprintf(text, sizeof(text), "%s\n\" TOTP_AUTH\n%s\" WINDOW_SIZE 3\n",
		     b32, reuse ? "\" DISALLOW_REUSE\n" : "");
	ms_free_secret(b32);
	ms_wipe(raw, sizeof(raw));
	return n > 0 && (size_t)n < sizeof(text) &&
	       file_write_at(dir_fd, name, text, (size_t)n, 0600);
}

bool ga_stacks(const struct store *st, const struct modules *mods)
{
	const char *ga = mods->ga, *m = mods->mailsec, *u = mods->ga_user;

	return stack_write(st, "ga",
			   "auth required %s secret=%s/${USER} user=%s\n"
			   "account required pam_permit.so\n",
			   ga, st->ga, u) &&
	       stack_write(st, "ga-reuse",
			   "auth required %s secret=%s/${USER} user=%s\n"
			   "account required pam_permit.so\n",
			   ga, st->ga_reuse, u) &&
	       stack_write(st, "pw-ga",
			   PW_AUTH_LINE
			   "auth required %s secret=%s/${USER} user=%s\n"
			   PW_ACCOUNT_LINE,
			   m, st->conf, ga, st->ga, u, m, st->conf) &&
	       stack_write(st, "pw-ga-reuse",
			   PW_AUTH_LINE
			   "auth required %s secret=%s/${USER} user=%s\n"
			   PW_ACCOUNT_LINE,
			   m, st->conf, ga, st->ga_reuse, u, m, st->conf);
}
