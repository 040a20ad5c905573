#include "config.h"

#include <syslog.h>
#include <time.h>

#include "log.h"
#include "login.h"

static void log_new_address(const struct login *login)
{
	ms_log(login->pamh, LOG_NOTICE,
	       "new address: mailbox=%s service=%s role=%s rhost=%s",
	       login->name, login->service, ms_role_name(login->role),
	       login->rhost);
}

void login_note(struct login *login, enum ms_journal_result result,
		enum ms_journal_detail detail, const char *app)
{
	struct ms_journal_event event = {
		.time = time(NULL), .role = login->role, .result = result,
		.detail = detail, .service = login->service,
		.rhost = login->rhost_item, .app = app,
	};
	struct ms_error err = { 0 };
	bool new_address = false;

	/* No file is ever made for a name without a record. */
	if (!login->known || detail >= MS_JOURNAL_DETAIL_COUNT)
		return;
	if (login_store_ready(login, &err) != MS_OK ||
	    ms_journal_note(&login->store, login->name, &event, &new_address,
			    &err) != MS_OK) {
		ms_log(login->pamh, LOG_ERR, "activity journal: %s", err.msg);
		return;
	}
	if (new_address)
		log_new_address(login);
}
