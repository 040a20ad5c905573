#include "config.h"

#include <crypt.h>
#include <dlfcn.h>
#include <stdlib.h>

#include "hashes.h"

typedef char *crypt_r_fn(const char *, const char *, struct crypt_data *);

static unsigned calls;

char *crypt_r(const char *phrase, const char *setting, struct crypt_data *data)
{
	static crypt_r_fn *real;

	if (!real)
		real = (crypt_r_fn *)dlsym(RTLD_NEXT, "crypt_r");
	if (!real)
		abort();
	calls++;
	return real(phrase, setting, data);
}

unsigned hs_count(void)
{
	return calls;
}

void hs_reset(void)
{
	calls = 0;
}
