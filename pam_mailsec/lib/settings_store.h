/* mailsec.conf's `store` and `postgresql` group (settings_store.c), for
 * settings.c's parser. */
#ifndef MAILSEC_SETTINGS_STORE_H
#define MAILSEC_SETTINGS_STORE_H

#include "cfgparse.h"
#include "settings.h"

void ms_settings_store_defaults(struct ms_settings *settings);
enum ms_status ms_settings_load_store(struct ms_cfg *cfg,
				      const config_setting_t *root,
				      struct ms_settings *settings);

#endif
