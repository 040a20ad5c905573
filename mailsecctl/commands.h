/* mailsecctl's command handlers; main.c's verb table lists them. */
#ifndef MAILSECCTL_COMMANDS_H
#define MAILSECCTL_COMMANDS_H

#include "context.h"

enum ms_status cmd_add(struct ctl *ctl);
enum ms_status cmd_remove(struct ctl *ctl);
enum ms_status cmd_list(struct ctl *ctl);
enum ms_status cmd_show(struct ctl *ctl);
enum ms_status cmd_passwd(struct ctl *ctl);
enum ms_status cmd_2fa_enroll(struct ctl *ctl);
enum ms_status cmd_2fa_confirm(struct ctl *ctl);
enum ms_status cmd_2fa_disable(struct ctl *ctl);
enum ms_status cmd_2fa_recovery(struct ctl *ctl);
enum ms_status cmd_non_webmail_enable(struct ctl *ctl);
enum ms_status cmd_non_webmail_disable(struct ctl *ctl);
enum ms_status cmd_unlock(struct ctl *ctl);
enum ms_status cmd_logout(struct ctl *ctl);
enum ms_status cmd_check_config(struct ctl *ctl);
enum ms_status cmd_self(struct ctl *ctl);

#endif
