#include "config.h"

#include <string.h>

#include "totp_params.h"

static const char *const algorithm_names[] = {
	[MS_SHA1] = "SHA1", [MS_SHA256] = "SHA256", [MS_SHA512] = "SHA512",
};

bool ms_algorithm_parse(const char *text, enum ms_algorithm *out)
{
	for (size_t i = 0; i < sizeof(algorithm_names) / sizeof(*algorithm_names); i++) {
		if (strcmp(text, algorithm_names[i]) == 0) {
			*out = (enum ms_algorithm)i;
			return true;
		}
	}
	return false;
}

const char *ms_algorithm_name(enum ms_algorithm algorithm)
{
	return algorithm_names[algorithm];
}
