/* Mailboxes by number: name, password and TOTP secret, derived from a
 * per-run seed so that nothing per mailbox is kept in memory. The same
 * mailbox has the same secret in pam_mailsec's record, in users.oath and
 * in its google_authenticator file, so every module checks the same code. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <liboath/oath.h>

#include "bench.h"

static uint64_t seed;

void users_seed(void)
{
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
		perror("getrandom");
		exit(1);
	}
	if (oath_init() != OATH_OK) {
		fprintf(stderr, "bench: oath_init failed\n");
		exit(1);
	}
}

void user_name(unsigned i, char out[BENCH_NAME_MAX])
{
	snprintf(out, BENCH_NAME_MAX, "u%07u@bench.test", i);
}

/* splitmix64 */
static uint64_t mix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

void user_secret(unsigned i, unsigned char raw[BENCH_SECRET_BYTES])
{
	uint64_t x = seed ^ ((uint64_t)i * 0xd1b54a32d192ed03u);

	for (size_t at = 0; at < BENCH_SECRET_BYTES; at += 8) {
		uint64_t v = mix(&x);
		size_t n = BENCH_SECRET_BYTES - at < 8 ? BENCH_SECRET_BYTES - at : 8;

		memcpy(raw + at, &v, n);
	}
}

void user_code(unsigned i, time_t now, char code[BENCH_DIGITS + 1])
{
	unsigned char raw[BENCH_SECRET_BYTES];

	user_secret(i, raw);
	if (oath_totp_generate2((const char *)raw, sizeof(raw), now,
				BENCH_PERIOD, 0, BENCH_DIGITS, 0,
				code) != OATH_OK)
		code[0] = '\0';
}
