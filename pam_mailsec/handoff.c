#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <security/pam_ext.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handoff.h"

#define HANDOFF_DATA "pam_mailsec_handoff"
#define HANDOFF_MAX_AGE_NS 1000000000LL

struct handoff {
	int64_t read_at;   /* CLOCK_MONOTONIC, ns */
	char config[PATH_MAX]; /* config= as given; "" for the default */
	char service[256];
	enum ms_role forced; /* role= */
	char name[MS_NAME_MAX + 1];
	enum ms_role role;
	bool known;
	bool non_webmail_access;
	enum ms_store_kind store;
	/* The record's identity, when known: on files, its path and the
	 * file's identity, looked at without opening a store; on the
	 * database, its version, which only the store can compare. */
	char record_path[PATH_MAX];
	struct ms_file_id record_id;
	int64_t record_version;
};

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static const char *config_arg(const struct login *login)
{
	return login->args.config ? login->args.config : "";
}

static void handoff_free(pam_handle_t *pamh, void *data, int error_status)
{
	free(data);
}

static struct handoff *handoff_new(const struct login *login)
{
	struct handoff *h = calloc(1, sizeof(*h));

	if (!h || strlen(config_arg(login)) >= sizeof(h->config) ||
	    strlen(login->service) >= sizeof(h->service)) {
		free(h);
		return NULL;
	}
	h->read_at = monotonic_ns();
	strcpy(h->config, config_arg(login));
	strcpy(h->service, login->service);
	h->forced = login->args.role;
	strcpy(h->name, login->name);
	h->role = login->role;
	h->known = login->known;
	h->non_webmail_access = login->record.non_webmail_access;
	h->store = login->settings.store;
	if (h->store == MS_STORE_FILES && h->known &&
	    !ms_record_path(&login->settings, login->name, h->record_path)) {
		free(h);
		return NULL;
	}
	h->record_id = login->record.file_id;
	h->record_version = login->record.version;
	return h;
}

void handoff_save(const struct login *login, int begun)
{
	struct handoff *h = begun == PAM_SUCCESS ? handoff_new(login) : NULL;

	/* NULL replaces (and frees) what an earlier call kept. */
	if (pam_set_data(login->pamh, HANDOFF_DATA, h,
			 h ? handoff_free : NULL) != PAM_SUCCESS)
		free(h);
}

static bool same_mailbox(pam_handle_t *pamh, const char *name)
{
	const void *user = NULL;
	char canonical[MS_NAME_MAX + 1];
	struct ms_error err;

	return pam_get_item(pamh, PAM_USER, &user) == PAM_SUCCESS && user &&
	       ms_name_canonical(user, canonical, &err) == MS_OK &&
	       strcmp(canonical, name) == 0;
}

/* The account stage opens the store (the auth stage's is closed) and
 * asks it whether the record is still the version the auth stage read.
 * A store that cannot be opened, or a configuration that no longer says
 * "postgresql", leaves the account stage to read everything itself, and
 * to fail as it then does. */
static enum handoff_kept database_record_kept(struct login *login,
					      const struct handoff *h)
{
	struct ms_error err = { 0 };

	if (login_store_ready(login, &err) != MS_OK ||
	    login->settings.store != h->store) {
		ms_store_close(&login->store);
		return HANDOFF_NONE;
	}
	login->record.version = h->record_version;
	return ms_record_current(&login->store, login->name, &login->record)
		       ? HANDOFF_TAKEN : HANDOFF_STALE;
}

enum handoff_kept handoff_take(struct login *login)
{
	const void *data = NULL;
	const struct handoff *h;

	if (pam_get_data(login->pamh, HANDOFF_DATA, &data) != PAM_SUCCESS ||
	    !data)
		return HANDOFF_NONE;
	h = data;
	if (monotonic_ns() - h->read_at > HANDOFF_MAX_AGE_NS ||
	    h->forced != login->args.role ||
	    strcmp(h->config, config_arg(login)) != 0 ||
	    strcmp(h->service, login->service) != 0 ||
	    !same_mailbox(login->pamh, h->name))
		return HANDOFF_NONE;
	strcpy(login->name, h->name);
	login->role = h->role;
	login->known = h->known;
	login->record.non_webmail_access = h->non_webmail_access;
	if (!h->known)
		return HANDOFF_TAKEN;
	if (h->store == MS_STORE_FILES)
		return ms_file_unchanged(AT_FDCWD, h->record_path, &h->record_id)
			       ? HANDOFF_TAKEN : HANDOFF_STALE;
	return database_record_kept(login, h);
}
