/* mailsec.conf for the module's logins: ms_settings_load, or what this
 * process parsed last when the file is unchanged since (same inode, size,
 * mode, owner, mtime and ctime, same euid reading it) and had already been
 * still for a few seconds when that parse began. An edit, in place or by
 * rename, changes the ctime at least: it counts at the next login. On NFS,
 * lstat may answer from the client's attribute cache (acregmax) for a
 * while. */
#ifndef MAILSEC_SETTINGS_CACHE_H
#define MAILSEC_SETTINGS_CACHE_H

#include "error.h"
#include "settings.h"

enum ms_status ms_settings_load_cached(const char *path,
				       enum ms_conf_origin origin,
				       struct ms_settings *settings,
				       struct ms_error *err);

/* How many times this process parsed the file (for tests and the bench). */
unsigned long ms_settings_cache_parses(void);

#endif
