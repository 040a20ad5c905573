#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <sodium.h>

#include "journal.h"
#include "name.h"
#include "slots.h"

/* Entry layout, ENTRY_SIZE bytes, native byte order (the file never
 * leaves the host), entry i at offset i * ENTRY_SIZE:
 * magic[4] version u32 seq u64 time i64 first i64 count u32 role u8
 * result u8 detail u8 zero u8 service[32] rhost[46] app[65], zero padding,
 * and a 16-byte BLAKE2b checksum of everything before it. Text fields hold
 * printable ASCII without space, then zeros. An all-zero entry is free;
 * one without the magic, with a bad checksum or with fields this code
 * would not write is torn (or tampered with).
 *
 * The file is its own lock (flock: shared to read, exclusive to write):
 * it is only ever written in place, never replaced, and a login's note
 * then costs three system calls fewer than under the mailbox's lock file.
 *
 * Every version starts magic[4] version u32 seq u64 and ends with the
 * checksum. An entry of a version this code does not know (a newer
 * module's, before a downgrade) is damaged to readers, and a writer takes
 * it as the oldest valid entry: it is reused only once no free or torn
 * entry is left, and before any entry this code can read. */
#define ENTRY_SIZE 256
#define CHECKSUM_SIZE 16
#define JOURNAL_SIZE (MS_JOURNAL_ENTRIES * ENTRY_SIZE)
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
_Static_assert(KEY_END <= ENTRY_SIZE - CHECKSUM_SIZE, "journal entry too small");

enum entry_kind { ENTRY_FREE, ENTRY_VALID, ENTRY_TORN, ENTRY_UNKNOWN };

static const char *const detail_names[MS_JOURNAL_DETAIL_COUNT] = {
	[MS_JOURNAL_PASSWORD] = "password",
	[MS_JOURNAL_CODE] = "code",
	[MS_JOURNAL_RECOVERY] = "recovery",
	[MS_JOURNAL_SESSION] = "session",
	[MS_JOURNAL_APP_PASSWORD] = "app-password",
	[MS_JOURNAL_BAD_PASSWORD] = "bad-password",
	[MS_JOURNAL_MISSING_CODE] = "missing-code",
	[MS_JOURNAL_BAD_CODE] = "bad-code",
	[MS_JOURNAL_REPLAY] = "replay",
	[MS_JOURNAL_LOCKED] = "locked",
	[MS_JOURNAL_NON_WEBMAIL_OFF] = "non-webmail-off",
	[MS_JOURNAL_APP_PASSWORDS_ONLY] = "app-passwords-only",
	[MS_JOURNAL_APP_PASSWORD_REFUSED] = "app-password-refused",
};

const char *ms_journal_detail_name(enum ms_journal_detail detail)
{
	if ((unsigned)detail >= MS_JOURNAL_DETAIL_COUNT)
		return NULL;
	return detail_names[detail];
}

const char *ms_journal_result_name(enum ms_journal_result result)
{
	return result == MS_JOURNAL_ACCEPTED ? "accepted" : "refused";
}

enum ms_journal_detail ms_journal_detail_of_code(enum ms_code_result result)
{
	switch (result) {
	case MS_CODE_OK:
		return MS_JOURNAL_CODE;
	case MS_CODE_RECOVERY_OK:
		return MS_JOURNAL_RECOVERY;
	case MS_CODE_MISSING:
		return MS_JOURNAL_MISSING_CODE;
	case MS_CODE_WRONG:
		return MS_JOURNAL_BAD_CODE;
	case MS_CODE_REPLAYED:
		return MS_JOURNAL_REPLAY;
	case MS_CODE_LOCKED:
		return MS_JOURNAL_LOCKED;
	case MS_CODE_ERROR:
		break;
	}
	return MS_JOURNAL_DETAIL_COUNT;
}

enum ms_journal_detail ms_journal_detail_of_auth(enum ms_auth_kind kind)
{
	switch (kind) {
	case MS_AUTH_PASSWORD:
		return MS_JOURNAL_PASSWORD;
	case MS_AUTH_SESSION:
		return MS_JOURNAL_SESSION;
	case MS_AUTH_CODE:
		return MS_JOURNAL_CODE;
	case MS_AUTH_RECOVERY:
		return MS_JOURNAL_RECOVERY;
	case MS_AUTH_APP_PASSWORD:
		return MS_JOURNAL_APP_PASSWORD;
	case MS_AUTH_UNKNOWN:
		break;
	}
	return MS_JOURNAL_DETAIL_COUNT;
}

static void checksum(const unsigned char *entry,
		     unsigned char out[CHECKSUM_SIZE])
{
	crypto_generichash(out, CHECKSUM_SIZE, entry, ENTRY_SIZE - CHECKSUM_SIZE,
			   NULL, 0);
}

static bool checksum_holds(const unsigned char *entry)
{
	unsigned char sum[CHECKSUM_SIZE];

	checksum(entry, sum);
	return memcmp(sum, entry + ENTRY_SIZE - CHECKSUM_SIZE,
		      CHECKSUM_SIZE) == 0;
}

/* memcmp, which the C library does many bytes at a time: a writer looks
 * at up to 64 entries for a free one. */
static bool all_zero(const unsigned char *bytes, size_t len)
{
	static const unsigned char zero[ENTRY_SIZE];

	return memcmp(bytes, zero, len) == 0;
}

static uint32_t entry_version(const unsigned char *entry)
{
	uint32_t version;

	memcpy(&version, entry + OFF_VERSION, sizeof(version));
	return version;
}

static uint64_t entry_seq(const unsigned char *entry)
{
	uint64_t seq;

	memcpy(&seq, entry + OFF_SEQ, sizeof(seq));
	return seq;
}

/* Magic and version, without the checksum: what may be a valid entry. */
static bool looks_current(const unsigned char *entry)
{
	return memcmp(entry, JOURNAL_MAGIC, 4) == 0 &&
	       entry_version(entry) == JOURNAL_VERSION;
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

/* The fields of an entry whose checksum holds: a checksum only says the
 * entry is whole, not that its writer filled it in right. Only what this
 * code writes is valid, so that two alike decisions always have the same
 * bytes, and a reader never meets a byte a terminal would take for
 * control. */
static bool fields_sane(const unsigned char *entry)
{
	uint32_t count;
	uint64_t seq = entry_seq(entry);

	memcpy(&count, entry + OFF_COUNT, sizeof(count));
	return seq != 0 && seq <= MS_JOURNAL_SEQ_MAX && count != 0 &&
	       entry[OFF_ROLE] <= MS_ROLE_WEBMAIL &&
	       entry[OFF_RESULT] <= MS_JOURNAL_REFUSED &&
	       entry[OFF_DETAIL] < MS_JOURNAL_DETAIL_COUNT &&
	       entry[OFF_DETAIL + 1] == 0 &&
	       text_canonical(entry + OFF_SERVICE, MS_JOURNAL_SERVICE_MAX) &&
	       text_canonical(entry + OFF_RHOST, MS_JOURNAL_RHOST_MAX) &&
	       text_canonical(entry + OFF_APP, MS_APP_NAME_MAX);
}

static enum entry_kind entry_kind(const unsigned char *entry)
{
	if (all_zero(entry, ENTRY_SIZE))
		return ENTRY_FREE;
	if (memcmp(entry, JOURNAL_MAGIC, 4) != 0 || !checksum_holds(entry))
		return ENTRY_TORN;
	if (entry_version(entry) != JOURNAL_VERSION)
		return ENTRY_UNKNOWN;
	return fields_sane(entry) ? ENTRY_VALID : ENTRY_TORN;
}

static bool entry_valid(const unsigned char *entry)
{
	return looks_current(entry) && checksum_holds(entry) &&
	       fields_sane(entry);
}

static void entry_decode(const unsigned char *entry,
			 struct ms_journal_entry *out)
{
	memset(out, 0, sizeof(*out));
	out->seq = entry_seq(entry);
	memcpy(&out->time, entry + OFF_TIME, sizeof(out->time));
	memcpy(&out->first, entry + OFF_FIRST, sizeof(out->first));
	memcpy(&out->count, entry + OFF_COUNT, sizeof(out->count));
	out->role = entry[OFF_ROLE] == MS_ROLE_WEBMAIL ? MS_ROLE_WEBMAIL
						       : MS_ROLE_CLIENT;
	out->result = entry[OFF_RESULT] == MS_JOURNAL_REFUSED
			      ? MS_JOURNAL_REFUSED : MS_JOURNAL_ACCEPTED;
	out->detail = (enum ms_journal_detail)entry[OFF_DETAIL];
	memcpy(out->service, entry + OFF_SERVICE, MS_JOURNAL_SERVICE_MAX);
	memcpy(out->rhost, entry + OFF_RHOST, MS_JOURNAL_RHOST_MAX);
	memcpy(out->app, entry + OFF_APP, MS_APP_NAME_MAX);
}

static int newest_first(const void *a, const void *b)
{
	const struct ms_journal_entry *x = a, *y = b;

	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

void ms_journal_decode(const unsigned char *data, size_t len,
		       struct ms_journal_entry entries[MS_JOURNAL_ENTRIES],
		       unsigned *count, unsigned *damaged)
{
	unsigned char entry[ENTRY_SIZE];

	*count = *damaged = 0;
	for (size_t i = 0; i < MS_JOURNAL_ENTRIES; i++) {
		size_t at = i * ENTRY_SIZE;
		size_t have = at < len ? len - at : 0;

		if (have > ENTRY_SIZE)
			have = ENTRY_SIZE;
		memset(entry, 0, sizeof(entry));
		memcpy(entry, data + at, have);
		switch (entry_kind(entry)) {
		case ENTRY_FREE:
			break;
		case ENTRY_VALID:
			entry_decode(entry, &entries[(*count)++]);
			break;
		case ENTRY_TORN:
		case ENTRY_UNKNOWN:
			(*damaged)++;
			break;
		}
	}
	qsort(entries, *count, sizeof(entries[0]), newest_first);
}

static void journal_file(const char *name, char *file, size_t size)
{
	ms_file_name(name, "journal", file, size);
}

/* The whole journal into `bytes`; a short file reads as free entries. */
/* The journal's entries into `bytes`, and into *present how many the
 * file reaches into (the last one, when cut short, is zero-filled): those
 * past its end are free. */
static enum ms_status read_entries(int fd, const char *shown,
				   unsigned char bytes[JOURNAL_SIZE],
				   unsigned *present, struct ms_error *err)
{
	ssize_t got = pread(fd, bytes, JOURNAL_SIZE, 0);
	size_t end;

	if (got < 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "read %s", shown);
	*present = (unsigned)(((size_t)got + ENTRY_SIZE - 1) / ENTRY_SIZE);
	end = (size_t)*present * ENTRY_SIZE;
	memset(bytes + got, 0, end - (size_t)got);
	return MS_OK;
}

enum ms_status ms_journal_read(const struct ms_store *store, const char *name,
			       struct ms_journal_entry entries[MS_JOURNAL_ENTRIES],
			       unsigned *count, unsigned *damaged,
			       struct ms_error *err)
{
	const char *dir = store->settings->state_dir;
	char file[MS_FILE_NAME_MAX], shown[MS_SHOWN_MAX];
	unsigned char bytes[JOURNAL_SIZE];
	enum ms_status status;
	unsigned present;
	int fd = -1;

	*count = *damaged = 0;
	journal_file(name, file, sizeof(file));
	ms_path_shown(shown, dir, file);
	status = ms_file_open(store->state_fd, dir, file, &fd, err);
	if (status == MS_NOT_FOUND) {
		ms_error_clear(err);
		return MS_OK;
	}
	if (status != MS_OK)
		return status;
	status = ms_fd_lock(fd, LOCK_SH, shown, err);
	if (status == MS_OK)
		status = read_entries(fd, shown, bytes, &present, err);
	close(fd);
	if (status == MS_OK)
		ms_journal_decode(bytes, (size_t)present * ENTRY_SIZE, entries,
				  count, damaged);
	return status;
}

const struct ms_journal_entry *
ms_journal_last_accepted(const struct ms_journal_entry *entries,
			 unsigned count, enum ms_role role)
{
	for (unsigned i = 0; i < count; i++)
		if (entries[i].result == MS_JOURNAL_ACCEPTED &&
		    entries[i].role == role)
			return &entries[i];
	return NULL;
}

enum ms_status ms_journal_remove(const struct ms_store *store, const char *name,
				 struct ms_error *err)
{
	char file[MS_FILE_NAME_MAX];
	enum ms_status status;

	journal_file(name, file, sizeof(file));
	status = ms_file_remove(store->state_fd, store->settings->state_dir,
				file, err);
	if (status == MS_NOT_FOUND) {
		ms_error_clear(err);
		return MS_OK;
	}
	return status;
}

static bool has_rhost(const char *rhost)
{
	return rhost && rhost[0] && strcmp(rhost, "-") != 0;
}

/* Cut to fit; bytes a log line or a terminal would take for control
 * become '?' (an address may come from the client). */
static void put_text(unsigned char *field, size_t size, const char *text)
{
	for (size_t i = 0; text && text[i] && i + 1 < size; i++)
		field[i] = text[i] > 0x20 && text[i] < 0x7f ? (unsigned char)text[i]
							    : '?';
}

/* An entry holding only the key of `event`: role, result, detail, text. */
static void key_encode(const struct ms_journal_event *event,
		       unsigned char entry[ENTRY_SIZE])
{
	memset(entry, 0, ENTRY_SIZE);
	entry[OFF_ROLE] = event->role == MS_ROLE_WEBMAIL ? MS_ROLE_WEBMAIL
							 : MS_ROLE_CLIENT;
	entry[OFF_RESULT] = (unsigned char)event->result;
	entry[OFF_DETAIL] = (unsigned char)event->detail;
	put_text(entry + OFF_SERVICE, MS_JOURNAL_SERVICE_MAX, event->service);
	if (has_rhost(event->rhost))
		put_text(entry + OFF_RHOST, MS_JOURNAL_RHOST_MAX, event->rhost);
	put_text(entry + OFF_APP, MS_APP_NAME_MAX, event->app);
}

static void entry_seal(unsigned char entry[ENTRY_SIZE], uint64_t seq,
		       int64_t time, int64_t first, uint32_t count)
{
	uint32_t version = JOURNAL_VERSION;

	memcpy(entry, JOURNAL_MAGIC, 4);
	memcpy(entry + OFF_VERSION, &version, sizeof(version));
	memcpy(entry + OFF_SEQ, &seq, sizeof(seq));
	memcpy(entry + OFF_TIME, &time, sizeof(time));
	memcpy(entry + OFF_FIRST, &first, sizeof(first));
	memcpy(entry + OFF_COUNT, &count, sizeof(count));
	checksum(entry, entry + ENTRY_SIZE - CHECKSUM_SIZE);
}

/* The journal as read by a writer, each entry's checksum computed at most
 * once and only when a choice depends on it: a login that repeats one
 * already noted checks one or two entries, not all of them. */
struct scan {
	unsigned char bytes[JOURNAL_SIZE];
	unsigned present; /* entries the file reaches into; the rest are free */
	bool checked[MS_JOURNAL_ENTRIES];
	bool valid[MS_JOURNAL_ENTRIES];
};

static const unsigned char *entry_at(const struct scan *scan, unsigned i)
{
	return scan->bytes + (size_t)i * ENTRY_SIZE;
}

static bool valid_at(struct scan *scan, unsigned i)
{
	if (!scan->checked[i]) {
		scan->valid[i] = entry_valid(entry_at(scan, i));
		scan->checked[i] = true;
	}
	return scan->valid[i];
}

/* The valid entry of the same key as `key`, or -1. */
static int find_alike(struct scan *scan, const unsigned char *key)
{
	for (unsigned i = 0; i < scan->present; i++) {
		const unsigned char *entry = entry_at(scan, i);

		if (looks_current(entry) &&
		    memcmp(entry + KEY_START, key + KEY_START,
			   KEY_END - KEY_START) == 0 &&
		    valid_at(scan, i))
			return (int)i;
	}
	return -1;
}

/* The highest sequence number of a valid entry, 0 when none is: the
 * candidates from the top down until one's checksum holds. */
static uint64_t newest_seq(struct scan *scan)
{
	for (;;) {
		int best = -1;
		uint64_t best_seq = 0;

		for (unsigned i = 0; i < scan->present; i++) {
			const unsigned char *entry = entry_at(scan, i);

			if (scan->checked[i] && !scan->valid[i])
				continue;
			if (looks_current(entry) && entry_seq(entry) > best_seq) {
				best = (int)i;
				best_seq = entry_seq(entry);
			}
		}
		if (best < 0 || valid_at(scan, (unsigned)best))
			return best < 0 ? 0 : best_seq;
	}
}

/* Where a decision unlike any held goes: a free entry, else one that is
 * damaged at first sight (no magic), else the one of the lowest sequence
 * number, an entry of an unknown version counting as older than any valid
 * one. No checksum is computed: whatever the entry chosen holds, valid or
 * not, it is the one to overwrite, and a full journal then costs a new
 * kind of login no more than a repeated one. An entry whose checksum
 * alone fails is so reused once it is the oldest. */
static unsigned entry_to_reuse(const struct scan *scan)
{
	int torn = -1, oldest = 0;
	uint64_t oldest_seq = UINT64_MAX;

	for (unsigned i = 0; i < scan->present; i++) {
		const unsigned char *entry = entry_at(scan, i);
		uint64_t seq;

		if (memcmp(entry, JOURNAL_MAGIC, 4) != 0) {
			if (all_zero(entry, ENTRY_SIZE))
				return i;
			if (torn < 0)
				torn = (int)i;
			continue;
		}
		seq = looks_current(entry) ? entry_seq(entry) : 0;
		if (seq < oldest_seq) {
			oldest = (int)i;
			oldest_seq = seq;
		}
	}
	if (scan->present < MS_JOURNAL_ENTRIES)
		return scan->present;
	return torn >= 0 ? (unsigned)torn : (unsigned)oldest;
}

/* Whether a valid accepted entry has the address of `key`. */
static bool address_seen(struct scan *scan, const unsigned char *key)
{
	for (unsigned i = 0; i < scan->present; i++) {
		const unsigned char *entry = entry_at(scan, i);

		if (looks_current(entry) &&
		    entry[OFF_RESULT] == MS_JOURNAL_ACCEPTED &&
		    strncmp((const char *)entry + OFF_RHOST,
			    (const char *)key + OFF_RHOST,
			    MS_JOURNAL_RHOST_MAX) == 0 &&
		    valid_at(scan, i))
			return true;
	}
	return false;
}

static enum ms_status write_entry(int fd, const char *shown, unsigned i,
				  const unsigned char *entry,
				  struct ms_error *err)
{
	ssize_t written = pwrite(fd, entry, ENTRY_SIZE, (off_t)i * ENTRY_SIZE);

	if (written < 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "write %s", shown);
	if (written != ENTRY_SIZE)
		return ms_fail(err, MS_SYSTEM, "write %s: short write", shown);
	return MS_OK;
}

/* The choice and the one write, on the open journal. */
static enum ms_status note_in_file(int fd, const char *shown,
				   const struct ms_journal_event *event,
				   bool *new_address, struct ms_error *err)
{
	struct scan scan;
	unsigned char entry[ENTRY_SIZE];
	enum ms_status status = read_entries(fd, shown, scan.bytes,
					     &scan.present, err);
	int alike;
	uint32_t count = 1;
	int64_t first = event->time;
	uint64_t seq;

	memset(scan.checked, 0, sizeof(scan.checked));
	if (status != MS_OK)
		return status;
	key_encode(event, entry);
	alike = find_alike(&scan, entry);
	if (alike >= 0) {
		const unsigned char *old = entry_at(&scan, (unsigned)alike);

		memcpy(&count, old + OFF_COUNT, sizeof(count));
		memcpy(&first, old + OFF_FIRST, sizeof(first));
		count = count == UINT32_MAX ? count : count + 1;
	} else {
		alike = (int)entry_to_reuse(&scan);
		*new_address = event->result == MS_JOURNAL_ACCEPTED &&
			       entry[OFF_RHOST] != 0 &&
			       !address_seen(&scan, entry);
	}
	seq = newest_seq(&scan);
	seq = seq < MS_JOURNAL_SEQ_MAX ? seq + 1 : MS_JOURNAL_SEQ_MAX;
	entry_seal(entry, seq, event->time, first, count);
	return write_entry(fd, shown, (unsigned)alike, entry, err);
}

enum ms_status ms_journal_note(const struct ms_store *store, const char *name,
			       const struct ms_journal_event *event,
			       bool *new_address, struct ms_error *err)
{
	char file[MS_FILE_NAME_MAX], shown[MS_SHOWN_MAX];
	enum ms_status status;
	int fd = -1;

	*new_address = false;
	if (!store->settings->activity_journal)
		return MS_OK;
	journal_file(name, file, sizeof(file));
	status = ms_slots_open_rw(store, file, shown, &fd, err);
	if (status != MS_OK)
		return status;
	status = ms_fd_lock(fd, LOCK_EX, shown, err);
	if (status == MS_OK)
		status = note_in_file(fd, shown, event, new_address, err);
	/* The close releases the lock. */
	if (close(fd) != 0 && status == MS_OK)
		status = ms_fail_errno(err, MS_SYSTEM, errno, "close %s",
				       shown);
	return status;
}
