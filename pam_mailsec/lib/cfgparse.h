/* Typed, line-numbered access to libconfig text, shared by the mailsec.conf
 * and record parsers. Every message reads "SHOWN:LINE: ...". */
#ifndef MAILSEC_CFGPARSE_H
#define MAILSEC_CFGPARSE_H

#include <stdbool.h>
#include <stddef.h>

#include <libconfig.h>

#include "error.h"

struct ms_cfg {
	config_t config;
	const char *shown; /* file path, for messages */
	struct ms_error *err;
};

/* Parses `text`. "@include" directives are refused: every file is opened
 * and checked by the store, never by libconfig. */
enum ms_status ms_cfg_parse(struct ms_cfg *cfg, const char *text,
			    const char *shown, struct ms_error *err);

/* Wipes every string value (they may be secrets), then frees. */
void ms_cfg_destroy(struct ms_cfg *cfg);

enum ms_status ms_cfg_fail(struct ms_cfg *cfg, const config_setting_t *at,
			   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Refuses members of `group` not named in the NULL-terminated `known`. */
enum ms_status ms_cfg_known_keys(struct ms_cfg *cfg,
				 const config_setting_t *group,
				 const char *const known[]);

/* Each getter leaves `out` as it is when the key is absent and `required`
 * is false; a wrong type or bad value is an error naming the key. */
enum ms_status ms_cfg_string(struct ms_cfg *cfg, const config_setting_t *group,
			     const char *key, bool required, char *out,
			     size_t size);
enum ms_status ms_cfg_uint(struct ms_cfg *cfg, const config_setting_t *group,
			   const char *key, unsigned min, unsigned max,
			   unsigned *out);
/* ms_cfg_uint over a table, in order; the first failure is returned. */
struct ms_cfg_uint_key {
	const char *key;
	unsigned min, max;
	unsigned *out;
};
enum ms_status ms_cfg_uints(struct ms_cfg *cfg, const config_setting_t *group,
			    const struct ms_cfg_uint_key keys[], size_t n);
enum ms_status ms_cfg_bool(struct ms_cfg *cfg, const config_setting_t *group,
			   const char *key, bool *out);
/* A list or array of strings into `out`, an array of `max` rows of `size`
 * bytes each; every item must be 1..size-1 printable bytes. Leaves `out`
 * and `count` as they are when the key is absent. */
enum ms_status ms_cfg_string_list(struct ms_cfg *cfg,
				  const config_setting_t *group, const char *key,
				  unsigned max, size_t size, char *out,
				  unsigned *count);

/* A group member that must be a group when present; NULL when absent. */
enum ms_status ms_cfg_group(struct ms_cfg *cfg, const config_setting_t *group,
			    const char *key, config_setting_t **out);

/* A string with no control characters (bytes < 0x20 and 0x7f). */
bool ms_cfg_printable(const char *text);

#endif
