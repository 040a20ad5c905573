/* One print layer for text and JSON: each call prints either, so the two
 * forms of any command never drift apart. Everything goes to stdout. */
#ifndef MAILSECCTL_OUTPUT_H
#define MAILSECCTL_OUTPUT_H

#include <stdbool.h>

void out_set_json(bool json);
bool out_is_json(void);

/* An object; `inline` objects print as one text line (list rows). */
void out_object_begin(bool inline_text);
void out_object_end(void);
/* A top-level JSON array of objects (list); in text, `empty_text` (unless
 * NULL) on a line of its own when it held none. */
void out_list_begin(void);
void out_list_end(const char *empty_text);

/* Text form: "label: value" (or the bare value when label is NULL). */
void out_string(const char *key, const char *label, const char *value);
/* NULL value: JSON null, text `null_text`. */
void out_string_or_null(const char *key, const char *label, const char *value,
			const char *null_text);
void out_uint(const char *key, const char *label, unsigned long value);
void out_bool(const char *key, const char *label, bool value,
	      const char *text_true, const char *text_false);
/* An array of strings: JSON array; text "label:" then one value a line,
 * or "label: none". */
void out_array_begin(const char *key, const char *label);
void out_array_string(const char *value);
void out_array_end(void);

#endif
