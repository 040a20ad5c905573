#include "config.h"

#include <security/pam_modules.h>
#include <stdlib.h>
#include <string.h>

#include "passed.h"

#define PASSED_DATA "pam_mailsec_passed"

struct passed {
	enum ms_auth_kind kind;
	char name[MS_NAME_MAX + 1];
};

static void passed_free(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	free(data);
}

void passed_forget(pam_handle_t *pamh)
{
	const void *data = NULL;

	/* libpam logs an error for deleting an absent entry. */
	if (pam_get_data(pamh, PASSED_DATA, &data) == PAM_SUCCESS && data)
		pam_set_data(pamh, PASSED_DATA, NULL, NULL);
}

int passed_keep(const struct login *login, enum ms_auth_kind kind)
{
	struct passed *passed = calloc(1, sizeof(*passed));
	int rc;

	if (!passed)
		return PAM_BUF_ERR;
	passed->kind = kind;
	strcpy(passed->name, login->name);
	rc = pam_set_data(login->pamh, PASSED_DATA, passed, passed_free);
	if (rc != PAM_SUCCESS)
		free(passed);
	return rc;
}

bool passed_with(const struct login *login, enum ms_auth_kind kind)
{
	const void *data = NULL;
	const struct passed *passed;

	if (pam_get_data(login->pamh, PASSED_DATA, &data) != PAM_SUCCESS ||
	    !data)
		return false;
	passed = data;
	return passed->kind == kind && strcmp(passed->name, login->name) == 0;
}
