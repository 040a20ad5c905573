/* One-time recovery codes: "xxxxx-xxxxx", lower-case base32, 50 bits. */
#ifndef MAILSEC_RECOVERY_H
#define MAILSEC_RECOVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "record.h"

#define MS_RECOVERY_COUNT 10
#define MS_RECOVERY_LEN 11 /* xxxxx-xxxxx */

/* Whether `code` has the recovery-code form. */
bool ms_recovery_is_form(const char *code);

/* Fresh codes into `codes` (shown once, caller wipes) and their crypt hashes
 * into record->totp.recovery (replacing the old ones). */
enum ms_status ms_recovery_generate(struct ms_record *record,
				    char codes[MS_RECOVERY_COUNT]
					      [MS_RECOVERY_LEN + 1],
				    struct ms_error *err);

/* Index of the stored hash `code` matches, or -1. Upper case accepted. */
int ms_recovery_match(const struct ms_record *record, const char *code);

/* Identifies the current set of recovery hashes, so that used-code marks in
 * the state refer to one set only (new codes make old marks void). */
uint64_t ms_recovery_set_tag(const struct ms_record *record);

/* A fast tag of `code` (any case) within the set whose
 * ms_recovery_set_tag is `set_tag`, never 0: tells the code used last when
 * it is given again, without the slow hashes. A used code is worth
 * nothing, so an unkeyed digest of it gives nothing away. */
uint64_t ms_recovery_code_tag(uint64_t set_tag, const char *code);

#endif
