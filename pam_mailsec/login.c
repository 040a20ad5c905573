#include "config.h"

#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "handoff.h"
#include "log.h"
#include "login.h"
#include "settings_cache.h"

/* A change saved while a login was being checked is followed by its
 * kick_command, which ends only the sessions open by then. */
#define RECORD_CHANGED "the record changed during the login"

/* pam_syslog's lines carry "pam_mailsec(SERVICE:TYPE)" from the handle
 * every call passes. */
static void pam_sink(void *pamh, int priority, const char *fmt, va_list ap)
{
	pam_vsyslog(pamh, priority, fmt, ap);
}

/* The module's copy of the library logs through libpam from the moment
 * it is loaded, before any entry point can log; the library itself does
 * not link libpam. */
__attribute__((constructor)) static void install_pam_sink(void)
{
	ms_log_set_sink(pam_sink);
}

static const char *item_text(pam_handle_t *pamh, int item)
{
	const void *value = NULL;

	if (pam_get_item(pamh, item, &value) != PAM_SUCCESS || !value)
		return "-";
	return value;
}

/* PAM_RHOST may come from a client (IMAP ID x-originating-ip). */
static void safe_copy(const char *text, char *out, size_t size)
{
	size_t i = 0;

	for (; text[i] && i + 1 < size; i++)
		out[i] = (text[i] > 0x20 && text[i] < 0x7f) ? text[i] : '?';
	out[i] = '\0';
}

static enum ms_status settings_of(struct login *login, struct ms_error *err)
{
	const char *path = login->args.config ? login->args.config
					      : MAILSEC_CONF_DEFAULT;
	enum ms_conf_origin origin = login->args.config ? MS_CONF_NAMED
							: MS_CONF_BUILT_IN;

	return ms_settings_load_cached(path, origin, &login->settings, err);
}

static int load_settings(struct login *login)
{
	if (settings_of(login, &login->err) != MS_OK) {
		ms_log(login->pamh, LOG_ERR, "%s: refusing", login->err.msg);
		return PAM_SERVICE_ERR;
	}
	return PAM_SUCCESS;
}

static int load_user(struct login *login)
{
	const char *user = NULL;

	if (pam_get_user(login->pamh, &user, NULL) != PAM_SUCCESS || !user) {
		ms_log(login->pamh, LOG_ERR, "cannot get the user name");
		return PAM_USER_UNKNOWN;
	}
	/* The name is not logged: it was refused for holding odd bytes. */
	if (ms_name_canonical(user, login->name, &login->err) != MS_OK) {
		login_refused(login, login->err.msg);
		return PAM_USER_UNKNOWN;
	}
	return PAM_SUCCESS;
}

static int load_record(struct login *login)
{
	enum ms_status status;

	if (ms_store_open(&login->settings, MS_STORE_LOGIN, &login->store,
			  &login->err) != MS_OK) {
		ms_log(login->pamh, LOG_ERR, "%s", login->err.msg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	status = ms_record_load(&login->store, login->name, &login->record,
				&login->err);
	login->known = status == MS_OK;
	if (status == MS_OK || status == MS_NOT_FOUND)
		return PAM_SUCCESS;
	ms_log(login->pamh, LOG_ERR, "%s", login->err.msg);
	login_refused(login, "unusable record");
	return PAM_AUTHINFO_UNAVAIL;
}

/* What is known before any file is read: items and arguments. */
static int login_start(pam_handle_t *pamh, int argc, const char **argv,
		       struct login *login)
{
	memset(login, 0, sizeof(*login));
	login->pamh = pamh;
	login->store.users_fd = login->store.state_fd = -1;
	login->service = item_text(pamh, PAM_SERVICE);
	login->rhost_item = item_text(pamh, PAM_RHOST);
	safe_copy(login->rhost_item, login->rhost, sizeof(login->rhost));
	login->role = MS_ROLE_UNSET;
	return module_args_parse(pamh, argc, argv, &login->args)
		       ? PAM_SUCCESS : PAM_SERVICE_ERR;
}

static int login_read(struct login *login)
{
	int rc = load_settings(login);

	if (rc != PAM_SUCCESS)
		return rc;
	login->role = ms_policy_role(&login->settings, login->service,
				     login->args.role);
	rc = load_user(login);
	if (rc != PAM_SUCCESS)
		return rc;
	return load_record(login);
}

int login_begin(pam_handle_t *pamh, int argc, const char **argv,
		struct login *login)
{
	int rc = login_start(pamh, argc, argv, login);

	if (rc != PAM_SUCCESS)
		return rc;
	return login_read(login);
}

int login_begin_account(pam_handle_t *pamh, int argc, const char **argv,
			struct login *login)
{
	int rc = login_start(pamh, argc, argv, login);

	if (rc != PAM_SUCCESS)
		return rc;
	switch (handoff_take(login)) {
	case HANDOFF_TAKEN:
		return PAM_SUCCESS;
	case HANDOFF_STALE:
		login_refused(login, RECORD_CHANGED);
		return PAM_AUTHINFO_UNAVAIL;
	case HANDOFF_NONE:
		break;
	}
	return login_read(login);
}

enum ms_status login_store_ready(struct login *login, struct ms_error *err)
{
	enum ms_status status;

	if (login->store.ops)
		return MS_OK;
	status = settings_of(login, err);
	if (status != MS_OK)
		return status;
	return ms_store_open(&login->settings, MS_STORE_LOGIN, &login->store,
			     err);
}

int login_still_current(const struct login *login)
{
	if (!login->known ||
	    ms_record_current(&login->store, login->name, &login->record))
		return PAM_SUCCESS;
	login_refused(login, RECORD_CHANGED);
	return PAM_AUTHINFO_UNAVAIL;
}

void login_end(struct login *login)
{
	ms_store_close(&login->store);
	ms_record_wipe(&login->record);
}

void login_refused(const struct login *login, const char *reason)
{
	ms_log(login->pamh, LOG_NOTICE,
	       "refused: mailbox=%s service=%s role=%s rhost=%s: %s",
	       login->name[0] ? login->name : "-", login->service,
	       login->role == MS_ROLE_UNSET ? "-" : ms_role_name(login->role),
	       login->rhost, reason);
}

void login_accepted(const struct login *login, const char *how)
{
	ms_log(login->pamh, LOG_INFO,
	       "accepted: mailbox=%s service=%s role=%s rhost=%s: %s",
	       login->name, login->service, ms_role_name(login->role),
	       login->rhost, how);
}

void login_debug(const struct login *login, const char *what)
{
	if (login->args.debug)
		ms_log(login->pamh, LOG_DEBUG,
		       "mailbox=%s service=%s role=%s rhost=%s: %s",
		       login->name, login->service, ms_role_name(login->role),
		       login->rhost, what);
}
