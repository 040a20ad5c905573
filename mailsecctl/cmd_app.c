/* app-password add, list and revoke: parse, call the library
 * (apppass.h, appstate.h), print. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "apppass.h"
#include "appstate.h"
#include "commands.h"
#include "log.h"
#include "output.h"
#include "secure.h"

#define LIST_TEXT_MAX 512

/* "a,b,c" split in place into `items` (NULL-terminated); NULL text gives
 * NULL (the library's default). An empty item is refused. */
static enum ms_status split_list(struct ctl *ctl, const char *text,
				 const char *what, char *copy, size_t size,
				 const char *items[], unsigned max,
				 const char *const **out)
{
	unsigned n = 0;
	char *at = copy, *comma;

	*out = NULL;
	if (!text)
		return MS_OK;
	if (strlen(text) >= size)
		return ms_fail(&ctl->err, MS_INVALID, "--%s: too long", what);
	strcpy(copy, text);
	for (;; at = comma + 1) {
		comma = strchr(at, ',');
		if (comma)
			*comma = '\0';
		if (!*at)
			return ms_fail(&ctl->err, MS_INVALID, "--%s: empty item",
				       what);
		if (n == max)
			return ms_fail(&ctl->err, MS_INVALID,
				       "--%s: more than %u items", what, max);
		items[n++] = at;
		if (!comma)
			break;
	}
	items[n] = NULL;
	*out = items;
	return MS_OK;
}

struct add_job {
	struct ms_app_request request;
	char shown[MS_APP_SHOWN_MAX];
};

static enum ms_status add_locked(struct ctl *ctl, const struct ms_store *store,
				 struct ms_mailbox *box, void *arg)
{
	struct add_job *job = arg;

	return ms_mailbox_app_add(box, &job->request, time(NULL), job->shown,
				  &ctl->err);
}

static void out_time_or_null(const char *key, const char *label, int64_t when,
			     const char *null_text)
{
	char text[MS_ISO_TIME_MAX];

	out_string_or_null(key, label, when ? ms_iso_time(when, text) : NULL,
			   null_text);
}

static void out_strings(const char *key, const char *label, const char *items,
			size_t size, unsigned n, const char *empty_text)
{
	const char *list[MS_APP_SERVICES_MAX > MS_APP_FROM_MAX
				 ? MS_APP_SERVICES_MAX : MS_APP_FROM_MAX];

	for (unsigned i = 0; i < n; i++)
		list[i] = items + i * size;
	out_string_list(key, label, list, n, empty_text);
}

static void out_app_fields(const struct ms_app_password *app)
{
	out_string("name", "name", app->name);
	out_strings("services", "services", app->services[0],
		    MS_APP_SERVICE_MAX, app->n_services, "none");
	out_strings("from", "from", app->from[0], MS_APP_CIDR_MAX, app->n_from,
		    "any address");
	out_time_or_null("created", "created", app->created, "-");
	out_time_or_null("expires", "expires", app->expires, "never");
}

static void out_added(const struct ms_mailbox *box, const char *shown)
{
	const struct ms_app_password *app =
		&box->record.apps[box->record.n_apps - 1];

	out_object_begin(false);
	out_string("mailbox", "mailbox", box->name);
	out_app_fields(app);
	out_string("password", "password (shown only now)", shown);
	out_object_end();
}

static void set_detail(struct ctl *ctl, const char *what, const char *name)
{
	snprintf(ctl->audit_detail, sizeof(ctl->audit_detail), "%s=\"%s\"",
		 what, name);
}

static enum ms_status app_add(struct ctl *ctl, struct ms_mailbox *box,
			      struct add_job *job)
{
	const char *services[MS_APP_SERVICES_MAX + 1], *from[MS_APP_FROM_MAX + 1];
	char services_text[LIST_TEXT_MAX], from_text[LIST_TEXT_MAX];
	enum ms_status status;

	job->request.name = ctl->args[1];
	status = split_list(ctl, ctl->app_services, "services", services_text,
			    sizeof(services_text), services,
			    MS_APP_SERVICES_MAX, &job->request.services);
	if (status == MS_OK)
		status = split_list(ctl, ctl->app_from, "from", from_text,
				    sizeof(from_text), from, MS_APP_FROM_MAX,
				    &job->request.from);
	if (status == MS_OK && ctl->app_expires)
		status = ms_app_parse_expiry(ctl->app_expires, time(NULL),
					     &job->request.expires, &ctl->err);
	if (status == MS_OK)
		status = ctl_mailbox_name(ctl, 0, box);
	if (status == MS_OK)
		status = ctl_edit(ctl, box, add_locked, job);
	if (status != MS_OK)
		return status;
	set_detail(ctl, "app_password", job->request.name);
	out_added(box, job->shown);
	return MS_OK;
}

enum ms_status cmd_app_add(struct ctl *ctl)
{
	struct ms_mailbox box;
	struct add_job job;
	enum ms_status status;

	memset(&job, 0, sizeof(job));
	memset(&box, 0, sizeof(box));
	status = app_add(ctl, &box, &job);
	ms_wipe(&job, sizeof(job));
	ms_mailbox_wipe(&box);
	return status;
}

static void out_app(const struct ms_app_password *app,
		    const struct ms_app_use *use)
{
	out_object_begin(false);
	out_app_fields(app);
	out_time_or_null("last_used", "last used", use ? use->last_used : 0,
			 "never");
	out_string_or_null("last_service", "last service",
			   use ? use->service : NULL, "-");
	out_string_or_null("last_rhost", "last address",
			   use ? use->rhost : NULL, "-");
	out_uint("uses", "uses", use ? use->uses : 0);
	out_object_end();
	if (!out_is_json())
		putchar('\n');
}

static enum ms_status list_apps(struct ctl *ctl, struct ms_mailbox *box)
{
	struct ms_app_state state;
	struct ms_store store;
	enum ms_status status = ctl_read_named(ctl, box);

	if (status != MS_OK)
		return status;
	status = ms_store_open(&ctl->settings, MS_STORE_READ, &store, &ctl->err);
	if (status != MS_OK)
		return status;
	status = ms_app_state_load(&store, box->name, &state, &ctl->err);
	ms_store_close(&store);
	if (status != MS_OK)
		return status;
	out_list_begin();
	for (unsigned i = 0; i < box->record.n_apps; i++)
		out_app(&box->record.apps[i],
			ms_app_state_find(&state, box->record.apps[i].id));
	out_list_end("no app passwords");
	return MS_OK;
}

enum ms_status cmd_app_list(struct ctl *ctl)
{
	struct ms_mailbox box;
	enum ms_status status = list_apps(ctl, &box);

	ms_mailbox_wipe(&box);
	return status;
}

struct revoke_job {
	const char *name; /* NULL: all */
	unsigned revoked;
};

static enum ms_status revoke_locked(struct ctl *ctl,
				    const struct ms_store *store,
				    struct ms_mailbox *box, void *arg)
{
	struct revoke_job *job = arg;

	return ms_mailbox_app_revoke(box, job->name, &job->revoked, &ctl->err);
}

enum ms_status cmd_app_revoke(struct ctl *ctl)
{
	struct revoke_job job = { ctl->n_args > 1 ? ctl->args[1] : NULL, 0 };
	struct ms_mailbox box;
	enum ms_status status;

	if ((ctl->n_args > 1) == ctl->app_all)
		return ms_fail(&ctl->err, MS_USAGE,
			       "app-password revoke: give NAME or --all");
	status = ctl_mailbox_name(ctl, 0, &box);
	if (status == MS_OK)
		status = ctl_edit(ctl, &box, revoke_locked, &job);
	ms_mailbox_wipe(&box);
	if (status != MS_OK)
		return status;
	if (job.name)
		set_detail(ctl, "app_password", job.name);
	else
		snprintf(ctl->audit_detail, sizeof(ctl->audit_detail),
			 "app_passwords=all");
	out_object_begin(false);
	out_string("mailbox", "mailbox", box.name);
	out_uint("revoked", "revoked", job.revoked);
	out_object_end();
	return MS_OK;
}
