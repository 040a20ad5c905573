/* How the codecheck target splits its input, shared with the seed maker:
 *
 *   int64 time offset (native order) | u8 head | code | the state file
 *
 * `now` is FUZZ_BASE_TIME plus the offset modulo FUZZ_TIME_SPAN (either
 * sign), so it stays a plausible clock. The head's low 7 bits are the
 * code's length; its top bit passes a webmail session tag. A code ends at
 * a NUL as a C string would. Two code forms stand for what mutation would
 * never find: "=" followed by one byte d is the right TOTP code for the
 * step d % 5 - 2 away from now; "#" followed by one byte k is recovery
 * code k % MS_RECOVERY_COUNT, of which only the first
 * FUZZ_RECOVERY_STORED are in the record. */
#ifndef MAILSEC_FUZZ_CODECHECK_INPUT_H
#define MAILSEC_FUZZ_CODECHECK_INPUT_H

#include <stdint.h>

#define FUZZ_BASE_TIME INT64_C(1700000000)
#define FUZZ_TIME_SPAN INT64_C(315360000) /* ten years */
#define FUZZ_HEAD_SIZE 9                   /* offset and head byte */
#define FUZZ_CODE_LEN_MASK 0x7f
#define FUZZ_SESSION_BIT 0x80
#define FUZZ_RECOVERY_STORED 3
#define FUZZ_PERIOD 30
#define FUZZ_NAME "alice@example.com"

#endif
