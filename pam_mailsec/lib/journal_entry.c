#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "apppass.h"
#include "journal_entry.h"
#include "store.h"

/* Entry layout, MS_JENTRY_SIZE bytes, native byte order (the file never
 * leaves the host), entry i at offset i * MS_JENTRY_SIZE:
 * magic[4] version u32 seq u64 time i64 first i64 count u32 role u8
 * result u8 detail u8 zero u8 service[32] rhost[46] app[65], zero padding,
 * and a 16-byte BLAKE2b checksum of everything before it. Text fields
 * hold their text, then zeros: service and rhost printable ASCII without
 * space, app what an app password's name may hold (UTF-8, space
 * included, no control). An all-zero entry is free;
 * one without the magic, with a bad checksum or with fields this code
 * would not write is torn (or tampered with).
 *
 * Every version starts magic[4] version u32 seq u64 and ends with the
 * checksum. An entry of a version this code does not know (a newer
 * module's, before a downgrade) is damaged to readers, and a writer takes
 * it as older than any valid entry (journal_note.c). */
#define CHECKSUM_SIZE 16
#define JOURNAL_MAGIC "MSJN"
#define JOURNAL_VERSION 1u

#define OFF_VERSION 4
#define OFF_SEQ 8
#define OFF_TIME 16
#define OFF_FIRST 24
#define OFF_COUNT 32
#define OFF_ROLE 36
#define OFF_RESULT 37
#define OFF_DETAIL 38
#define OFF_SERVICE 40
#define OFF_RHOST (OFF_SERVICE + MS_JOURNAL_SERVICE_MAX)
#define OFF_APP (OFF_RHOST + MS_JOURNAL_RHOST_MAX)
#define KEY_END (OFF_APP + MS_APP_NAME_MAX)
/* role, result, detail and the text: what makes two decisions alike. */
#define KEY_START OFF_ROLE
_Static_assert(KEY_END <= MS_JENTRY_SIZE - CHECKSUM_SIZE,
	       "journal entry too small");

static void checksum(const unsigned char *entry,
		     unsigned char out[CHECKSUM_SIZE])
{
	crypto_generichash(out, CHECKSUM_SIZE, entry,
			   MS_JENTRY_SIZE - CHECKSUM_SIZE, NULL, 0);
}

static bool checksum_holds(const unsigned char *entry)
{
	unsigned char sum[CHECKSUM_SIZE];

	checksum(entry, sum);
	return memcmp(sum, entry + MS_JENTRY_SIZE - CHECKSUM_SIZE,
		      CHECKSUM_SIZE) == 0;
}

/* memcmp, which the C library does many bytes at a time: a writer looks
 * at up to 64 entries for a free one. */
static bool all_zero(const unsigned char *bytes, size_t len)
{
	static const unsigned char zero[MS_JENTRY_SIZE];

	return memcmp(bytes, zero, len) == 0;
}

bool ms_jentry_free(const unsigned char *entry)
{
	return all_zero(entry, MS_JENTRY_SIZE);
}

bool ms_jentry_has_magic(const unsigned char *entry)
{
	return memcmp(entry, JOURNAL_MAGIC, 4) == 0;
}

static uint32_t entry_version(const unsigned char *entry)
{
	uint32_t version;

	memcpy(&version, entry + OFF_VERSION, sizeof(version));
	return version;
}

bool ms_jentry_looks_current(const unsigned char *entry)
{
	return ms_jentry_has_magic(entry) &&
	       entry_version(entry) == JOURNAL_VERSION;
}

uint64_t ms_jentry_seq(const unsigned char *entry)
{
	uint64_t seq;

	memcpy(&seq, entry + OFF_SEQ, sizeof(seq));
	return seq;
}

uint32_t ms_jentry_count(const unsigned char *entry)
{
	uint32_t count;

	memcpy(&count, entry + OFF_COUNT, sizeof(count));
	return count;
}

int64_t ms_jentry_first(const unsigned char *entry)
{
	int64_t first;

	memcpy(&first, entry + OFF_FIRST, sizeof(first));
	return first;
}

bool ms_jentry_refused(const unsigned char *entry)
{
	return entry[OFF_RESULT] == MS_JOURNAL_REFUSED;
}

/* Text as the writer leaves it: bytes put_text keeps, a NUL, then zeros
 * to the end of the field. */
static bool text_canonical(const unsigned char *field, size_t size)
{
	size_t i = 0;

	while (i < size && field[i] > 0x20 && field[i] < 0x7f)
		i++;
	return i < size && all_zero(field + i, size - i);
}

/* The app field as put_app leaves it. */
static bool app_canonical(const unsigned char *field)
{
	size_t i = 0, len;

	while (i < MS_APP_NAME_MAX - 1 && (len = ms_app_name_char(field + i)))
		i += len;
	return i < MS_APP_NAME_MAX && all_zero(field + i, MS_APP_NAME_MAX - i);
}

/* The fields of an entry whose checksum holds: a checksum only says the
 * entry is whole, not that its writer filled it in right. Only what this
 * code writes is valid, so that two alike decisions always have the same
 * bytes, and a reader never meets a byte a terminal would take for
 * control. */
static bool fields_sane(const unsigned char *entry)
{
	uint64_t seq = ms_jentry_seq(entry);

	return seq != 0 && seq <= MS_JOURNAL_SEQ_MAX &&
	       ms_jentry_count(entry) != 0 &&
	       entry[OFF_ROLE] <= MS_ROLE_WEBMAIL &&
	       entry[OFF_RESULT] <= MS_JOURNAL_REFUSED &&
	       entry[OFF_DETAIL] < MS_JOURNAL_DETAIL_COUNT &&
	       entry[OFF_DETAIL + 1] == 0 &&
	       text_canonical(entry + OFF_SERVICE, MS_JOURNAL_SERVICE_MAX) &&
	       text_canonical(entry + OFF_RHOST, MS_JOURNAL_RHOST_MAX) &&
	       app_canonical(entry + OFF_APP);
}

enum ms_jentry_kind ms_jentry_kind(const unsigned char *entry)
{
	if (ms_jentry_free(entry))
		return MS_JENTRY_FREE;
	if (!ms_jentry_has_magic(entry) || !checksum_holds(entry))
		return MS_JENTRY_TORN;
	if (entry_version(entry) != JOURNAL_VERSION)
		return MS_JENTRY_UNKNOWN;
	return fields_sane(entry) ? MS_JENTRY_VALID : MS_JENTRY_TORN;
}

bool ms_jentry_valid(const unsigned char *entry)
{
	return ms_jentry_looks_current(entry) && checksum_holds(entry) &&
	       fields_sane(entry);
}

void ms_jentry_decode(const unsigned char *entry, struct ms_journal_entry *out)
{
	memset(out, 0, sizeof(*out));
	out->seq = ms_jentry_seq(entry);
	memcpy(&out->time, entry + OFF_TIME, sizeof(out->time));
	out->first = ms_jentry_first(entry);
	out->count = ms_jentry_count(entry);
	out->role = entry[OFF_ROLE] == MS_ROLE_WEBMAIL ? MS_ROLE_WEBMAIL
						       : MS_ROLE_CLIENT;
	out->result = entry[OFF_RESULT] == MS_JOURNAL_REFUSED
			      ? MS_JOURNAL_REFUSED : MS_JOURNAL_ACCEPTED;
	out->detail = (enum ms_journal_detail)entry[OFF_DETAIL];
	memcpy(out->service, entry + OFF_SERVICE, MS_JOURNAL_SERVICE_MAX);
	memcpy(out->rhost, entry + OFF_RHOST, MS_JOURNAL_RHOST_MAX);
	memcpy(out->app, entry + OFF_APP, MS_APP_NAME_MAX);
}

static bool has_rhost(const char *rhost)
{
	return rhost && rhost[0] && strcmp(rhost, "-") != 0;
}

/* Cut to fit; bytes a log line or a terminal would take for control
 * become '?' (an address may come from the client). */
static void put_text(unsigned char *field, size_t size, const char *text)
{
	const unsigned char *at = (const unsigned char *)text;

	for (size_t i = 0; at && at[i] && i + 1 < size; i++)
		field[i] = at[i] > 0x20 && at[i] < 0x7f ? at[i] : '?';
}

/* An app password's name whole, as its record allows it (UTF-8, space
 * included: names that differ stay apart), cut at a character's end if
 * it must be; a byte a name may not hold becomes '?'. */
static void put_app(unsigned char *field, const char *name)
{
	const unsigned char *at = (const unsigned char *)name;
	size_t i = 0;

	while (at && *at) {
		size_t len = ms_app_name_char(at);

		if (i + (len ? len : 1) > MS_APP_NAME_MAX - 1)
			break;
		if (len)
			memcpy(field + i, at, len);
		else
			field[i] = '?';
		i += len ? len : 1;
		at += len ? len : 1;
	}
}

void ms_jentry_key(const struct ms_journal_event *event,
		   unsigned char entry[MS_JENTRY_SIZE])
{
	memset(entry, 0, MS_JENTRY_SIZE);
	entry[OFF_ROLE] = event->role == MS_ROLE_WEBMAIL ? MS_ROLE_WEBMAIL
							 : MS_ROLE_CLIENT;
	entry[OFF_RESULT] = (unsigned char)event->result;
	entry[OFF_DETAIL] = (unsigned char)event->detail;
	put_text(entry + OFF_SERVICE, MS_JOURNAL_SERVICE_MAX, event->service);
	if (has_rhost(event->rhost))
		put_text(entry + OFF_RHOST, MS_JOURNAL_RHOST_MAX, event->rhost);
	put_app(entry + OFF_APP, event->app);
}

bool ms_jentry_alike(const unsigned char *entry, const unsigned char *key)
{
	return memcmp(entry + KEY_START, key + KEY_START,
		      KEY_END - KEY_START) == 0;
}

bool ms_jentry_key_has_rhost(const unsigned char *key)
{
	return key[OFF_RHOST] != 0;
}

bool ms_jentry_accepted_from(const unsigned char *entry,
			     const unsigned char *key)
{
	return entry[OFF_RESULT] == MS_JOURNAL_ACCEPTED &&
	       memcmp(entry + OFF_RHOST, key + OFF_RHOST,
		      MS_JOURNAL_RHOST_MAX) == 0;
}

void ms_jentry_seal(unsigned char entry[MS_JENTRY_SIZE], uint64_t seq,
		    int64_t time, int64_t first, uint32_t count)
{
	uint32_t version = JOURNAL_VERSION;

	memcpy(entry, JOURNAL_MAGIC, 4);
	memcpy(entry + OFF_VERSION, &version, sizeof(version));
	memcpy(entry + OFF_SEQ, &seq, sizeof(seq));
	memcpy(entry + OFF_TIME, &time, sizeof(time));
	memcpy(entry + OFF_FIRST, &first, sizeof(first));
	memcpy(entry + OFF_COUNT, &count, sizeof(count));
	checksum(entry, entry + MS_JENTRY_SIZE - CHECKSUM_SIZE);
}

void ms_journal_file_name(const char *name, char *file, size_t size)
{
	ms_file_name(name, "journal", file, size);
}

enum ms_status ms_journal_read_fd(int fd, const char *shown,
				  unsigned char bytes[MS_JOURNAL_SIZE],
				  unsigned *present, struct ms_error *err)
{
	ssize_t got = pread(fd, bytes, MS_JOURNAL_SIZE, 0);
	size_t end;

	if (got < 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "read %s", shown);
	*present = (unsigned)(((size_t)got + MS_JENTRY_SIZE - 1) /
			      MS_JENTRY_SIZE);
	end = (size_t)*present * MS_JENTRY_SIZE;
	memset(bytes + got, 0, end - (size_t)got);
	return MS_OK;
}
