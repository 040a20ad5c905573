#include "config.h"

#include "policy.h"

enum ms_role ms_policy_role(const struct ms_settings *settings,
			    const char *service, enum ms_role forced)
{
	if (forced != MS_ROLE_UNSET)
		return forced;
	if (service && ms_settings_is_webmail_service(settings, service))
		return MS_ROLE_WEBMAIL;
	return MS_ROLE_CLIENT;
}

const char *ms_role_name(enum ms_role role)
{
	return role == MS_ROLE_WEBMAIL ? "webmail" : "client";
}

bool ms_policy_client_allowed(const struct ms_record *record,
			      enum ms_role role)
{
	return role == MS_ROLE_WEBMAIL || record->non_webmail_access;
}

bool ms_policy_account_allowed(const struct ms_record *record,
			       enum ms_role role, bool by_app_password)
{
	return ms_policy_client_allowed(record, role) &&
	       (ms_policy_password_allowed(record, role) || by_app_password);
}

bool ms_policy_app_passwords_apply(const struct ms_record *record,
				   enum ms_role role)
{
	return role == MS_ROLE_CLIENT && record->non_webmail_access;
}

bool ms_policy_password_allowed(const struct ms_record *record,
				enum ms_role role)
{
	return role == MS_ROLE_WEBMAIL || !record->app_passwords_only;
}

bool ms_policy_needs_code(const struct ms_record *record, enum ms_role role)
{
	return role == MS_ROLE_WEBMAIL &&
	       record->totp.status == MS_TOTP_ENABLED;
}
