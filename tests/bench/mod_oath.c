/* pam_oath's side of a store: one users.oath for every mailbox,
 * "HOTP/T30 NAME - HEXSECRET" (TOTP, 30 s, no password of its own), used
 * with window=1 (step-1..step+1, as pam_mailsec's default) and digits=6.
 * pam_oath reads the whole file to find a user, twice a login, and on a
 * success rewrites all of it (last code and time: its replay protection)
 * under a lock file next to it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"

bool oath_users_write(const struct store *st)
{
	FILE *f = fopen(st->oath, "we");
	bool ok;

	if (!f) {
		fprintf(stderr, "bench: %s: %s\n", st->oath, strerror(errno));
		return false;
	}
	for (unsigned i = 0; i < st->n; i++) {
		unsigned char raw[BENCH_SECRET_BYTES];
		char name[BENCH_NAME_MAX];

		user_name(i, name);
		user_secret(i, raw);
		fprintf(f, "HOTP/T30 %s - ", name);
		for (size_t b = 0; b < sizeof(raw); b++)
			fprintf(f, "%02x", raw[b]);
		fputc('\n', f);
	}
	ok = fchmod(fileno(f), 0600) == 0;
	ok = fclose(f) == 0 && ok;
	return ok;
}

bool oath_stacks(const struct store *st, const struct modules *mods)
{
	const char *o = mods->oath, *m = mods->mailsec;

	return stack_write(st, "oath",
			   "auth required %s usersfile=%s window=1 digits=6\n"
			   "account required pam_permit.so\n",
			   o, st->oath) &&
	       stack_write(st, "pw-oath",
			   PW_AUTH_LINE
			   "auth required %s usersfile=%s window=1 digits=6\n"
			   PW_ACCOUNT_LINE,
			   m, st->conf, o, st->oath, m, st->conf);
}
