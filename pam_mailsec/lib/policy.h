/* Who may log in where: the role of a PAM service and what it demands. */
#ifndef MAILSEC_POLICY_H
#define MAILSEC_POLICY_H

#include <stdbool.h>

#include "record.h"
#include "settings.h"

enum ms_role { MS_ROLE_UNSET = -1, MS_ROLE_CLIENT, MS_ROLE_WEBMAIL };

/* role= wins; else a service listed in webmail_services is webmail; every
 * other service (imap, pop3, smtp, dovecot, ...) is a client: unknown is
 * restrictive. */
enum ms_role ms_policy_role(const struct ms_settings *settings,
			    const char *service, enum ms_role forced);

const char *ms_role_name(enum ms_role role);

/* The account stage of a client stack in app-passwords mode cannot tell
 * how another module authenticated: it allows only a login whose auth
 * stage, pam_mailsec's on the same handle, took an app password. */
bool ms_policy_account_allowed(const struct ms_record *record,
			       enum ms_role role, bool by_app_password);

/* Client stacks are refused when non-webmail access is off. */
bool ms_policy_client_allowed(const struct ms_record *record,
			      enum ms_role role);

/* App passwords are tried on client stacks whose non-webmail access is
 * on (enabled or app passwords only), never on webmail. */
bool ms_policy_app_passwords_apply(const struct ms_record *record,
				   enum ms_role role);

/* The mailbox password is refused on client stacks in app-passwords
 * mode. */
bool ms_policy_password_allowed(const struct ms_record *record,
				enum ms_role role);

/* A code is required on webmail once enrolment is confirmed; a pending
 * enrolment does not lock anyone out. */
bool ms_policy_needs_code(const struct ms_record *record, enum ms_role role);

#endif
