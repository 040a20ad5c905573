/* mailsec.conf for a login: ms_settings_load, or what this process parsed
 * last when the file is unchanged since (same inode, size, mode, owner,
 * mtime and ctime) and was already still a few seconds before that parse. */
#ifndef PAM_MAILSEC_CONF_CACHE_H
#define PAM_MAILSEC_CONF_CACHE_H

#include "error.h"
#include "settings.h"

enum ms_status conf_cache_load(const char *path, struct ms_settings *settings,
			       struct ms_error *err);

#endif
