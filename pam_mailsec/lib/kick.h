/* Ending a mailbox's live sessions: mailsec.conf's kick_command, an argv
 * run without a shell, `%m` standing for the mailbox. No libpam: only
 * mailsecctl runs it, after a change is saved and the lock released. */
#ifndef MAILSEC_KICK_H
#define MAILSEC_KICK_H

#include <stdbool.h>

#include "error.h"
#include "settings.h"

/* The one environment the command gets: nothing of the caller's
 * (mailsecctl may run under sudo for the webmail). */
#define MS_KICK_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

/* doveadm's "no users kicked" (EX_NOUSER): nothing was open, so nothing
 * is left open either. */
#define MS_KICK_EXIT_NONE_OPEN 68

/* Whether `arg` (one kick_command argument) holds only the escapes %m and
 * %%; else false with the offending escape ("%x", or "%" at the end) in
 * `bad`. */
bool ms_kick_arg_valid(const char *arg, char bad[3]);

/* Whether kick_command is set (not empty). */
bool ms_kick_configured(const struct ms_settings *settings);

/* For check-config: MS_OK when kick_command is unset, or its program
 * may be run: symbolic links resolved, an executable regular file owned
 * by root or the effective user and not writable by group or others, in
 * a directory of which the same holds. Else MS_INVALID, "CONF:
 * kick_command: PROGRAM: why". ms_kick_run checks the same each time. */
enum ms_status ms_kick_check_program(const struct ms_settings *settings,
				     struct ms_error *err);

/* Whether the kick command may be handed `mailbox` (canonical): doveadm
 * reads a user argument that parses as an IPv4 address (1.2.3.4, 127.1,
 * 0x7f000001, 12345, and 127.0.0.08 too) as one and kicks everyone
 * connected from it, and one that starts with '-' as an option. Refused:
 * a name starting with '-', or one whose every dot-separated part is
 * empty, decimal digits, or "0x" and hex digits. MS_REFUSED with the
 * reason then. */
enum ms_status ms_kick_name_check(const char *mailbox, struct ms_error *err);

/* Runs kick_command for `mailbox` (canonical) in a process group of its
 * own: stdin /dev/null, stdout and stderr into one pipe, no other
 * descriptor, MS_KICK_PATH as the whole environment. Waits at most
 * kick_timeout seconds, then kills the group. MS_OK when it exits 0 or
 * MS_KICK_EXIT_NONE_OPEN and its output does not say "would also be
 * kicked" (doveadm kicked nobody: an imap-hibernate process holds other
 * users too); otherwise (that, another status, a signal, no program or
 * one ms_kick_check_program refuses, the timeout, the name check)
 * MS_SYSTEM or MS_REFUSED with the
 * reason alone in `err` (the first line of its output, when it gave one):
 * the caller names the mailbox. While it runs, SIGTERM, SIGINT and
 * SIGHUP (unless ignored) are caught: the group is then killed and
 * reaped, the handlers restored and the signal raised again. Not to be
 * called unless ms_kick_configured. */
enum ms_status ms_kick_run(const struct ms_settings *settings,
			   const char *mailbox, struct ms_error *err);

#endif
