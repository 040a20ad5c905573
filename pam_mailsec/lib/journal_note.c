/* The journal's writer: one login's note, in the login path. The rule
 * (which entry a decision takes) works on the journal's bytes, whichever
 * store keeps them; the file store's edit is here too.
 *
 * The file is its own lock (flock, exclusive here, shared for readers): it
 * is only ever written in place, never replaced, and a note then costs
 * three system calls fewer than under the mailbox's lock file. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "journal.h"
#include "journal_entry.h"
#include "name.h"
#include "slots.h"
#include "store_files.h"

_Static_assert(MS_JOURNAL_BYTES == MS_JOURNAL_SIZE,
	       "a journal image is the journal file's entries");

/* The journal as a writer read it, each entry's checksum computed at most
 * once and only where a choice depends on it: a login that repeats one
 * already noted checks one or two entries, not all of them. */
struct scan {
	unsigned char *bytes;
	unsigned present; /* entries the image reaches into; the rest free */
	bool checked[MS_JOURNAL_ENTRIES];
	bool valid[MS_JOURNAL_ENTRIES];
};

static const unsigned char *entry_at(const struct scan *scan, unsigned i)
{
	return scan->bytes + (size_t)i * MS_JENTRY_SIZE;
}

static bool valid_at(struct scan *scan, unsigned i)
{
	if (!scan->checked[i]) {
		scan->valid[i] = ms_jentry_valid(entry_at(scan, i));
		scan->checked[i] = true;
	}
	return scan->valid[i];
}

/* The valid entry of the same key as `key`, or -1. */
static int find_alike(struct scan *scan, const unsigned char *key)
{
	for (unsigned i = 0; i < scan->present; i++) {
		const unsigned char *entry = entry_at(scan, i);

		if (ms_jentry_looks_current(entry) &&
		    ms_jentry_alike(entry, key) && valid_at(scan, i))
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
			if (ms_jentry_looks_current(entry) &&
			    ms_jentry_seq(entry) > best_seq) {
				best = (int)i;
				best_seq = ms_jentry_seq(entry);
			}
		}
		if (best < 0 || valid_at(scan, (unsigned)best))
			return best < 0 ? 0 : best_seq;
	}
}

/* The entries a new kind of decision may take, free ones aside. */
struct candidates {
	int damaged, oldest, oldest_refusal;
	uint64_t oldest_seq, refusal_seq;
};

/* An entry of an unknown version is damaged for this code, as one without
 * the magic is; only the checksum is left unchecked. */
static void consider(struct candidates *best, const unsigned char *entry,
		     unsigned i)
{
	uint64_t seq;

	if (!ms_jentry_looks_current(entry)) {
		if (best->damaged < 0)
			best->damaged = (int)i;
		return;
	}
	seq = ms_jentry_seq(entry);
	if (seq < best->oldest_seq) {
		best->oldest = (int)i;
		best->oldest_seq = seq;
	}
	if (ms_jentry_refused(entry) && seq < best->refusal_seq) {
		best->oldest_refusal = (int)i;
		best->refusal_seq = seq;
	}
}

/* Where a decision unlike any held goes: a free entry, else a damaged one
 * (no magic, or an unknown version), else, for a refusal, the oldest
 * refusal, else the entry of the lowest sequence number. So refusals,
 * from however many addresses, never push an acceptance out while a
 * refusal is there to replace. No checksum is computed: whatever the
 * entry chosen holds, valid or not, it is the one to overwrite, and a
 * full journal then costs a new kind of login no more than a repeated
 * one. An entry whose checksum alone fails is so reused once it is the
 * oldest (of its kind, for a refusal). */
static unsigned entry_to_reuse(const struct scan *scan, bool refusal)
{
	struct candidates best = { .damaged = -1, .oldest = 0,
				   .oldest_refusal = -1,
				   .oldest_seq = UINT64_MAX,
				   .refusal_seq = UINT64_MAX };

	for (unsigned i = 0; i < scan->present; i++) {
		const unsigned char *entry = entry_at(scan, i);

		/* The magic first: 4 bytes, where a free entry is 256. */
		if (!ms_jentry_has_magic(entry) && ms_jentry_free(entry))
			return i;
		consider(&best, entry, i);
	}
	if (scan->present < MS_JOURNAL_ENTRIES)
		return scan->present;
	if (best.damaged >= 0)
		return (unsigned)best.damaged;
	if (refusal && best.oldest_refusal >= 0)
		return (unsigned)best.oldest_refusal;
	return (unsigned)best.oldest;
}

/* Whether a valid entry was accepted from the address of `key`. */
static bool address_seen(struct scan *scan, const unsigned char *key)
{
	for (unsigned i = 0; i < scan->present; i++) {
		const unsigned char *entry = entry_at(scan, i);

		if (ms_jentry_looks_current(entry) &&
		    ms_jentry_accepted_from(entry, key) && valid_at(scan, i))
			return true;
	}
	return false;
}

/* What a note needs besides the image, and what it tells. */
struct journal_note {
	const struct ms_journal_event *event;
	bool *new_address;
};

/* The entries *len bytes reach into; a last one cut short is zero-filled
 * (as a short file reads), so that it is judged whole. */
static unsigned image_present(unsigned char *image, size_t len)
{
	size_t present = (len + MS_JENTRY_SIZE - 1) / MS_JENTRY_SIZE;

	if (present > MS_JOURNAL_ENTRIES)
		present = MS_JOURNAL_ENTRIES;
	if (len < present * MS_JENTRY_SIZE)
		memset(image + len, 0, present * MS_JENTRY_SIZE - len);
	return (unsigned)present;
}

/* The choice, and the entry sealed into the image. Run again from the
 * start when a store has to (another writer came first): it sets
 * *new_address each time. */
static bool note_event(unsigned char image[MS_JOURNAL_BYTES], size_t *len,
		       void *arg)
{
	const struct journal_note *note = arg;
	const struct ms_journal_event *event = note->event;
	struct scan scan = { .bytes = image };
	unsigned char entry[MS_JENTRY_SIZE];
	uint32_t count = 1;
	int64_t first = event->time;
	uint64_t seq;
	int at;

	scan.present = image_present(image, *len);
	memset(scan.checked, 0, sizeof(scan.checked));
	*note->new_address = false;
	ms_jentry_key(event, entry);
	at = find_alike(&scan, entry);
	if (at >= 0) {
		const unsigned char *old = entry_at(&scan, (unsigned)at);

		count = ms_jentry_count(old);
		count = count == UINT32_MAX ? count : count + 1;
		first = ms_jentry_first(old);
	} else {
		at = (int)entry_to_reuse(&scan, event->result ==
						      MS_JOURNAL_REFUSED);
		*note->new_address = event->result == MS_JOURNAL_ACCEPTED &&
				     ms_jentry_key_has_rhost(entry) &&
				     !address_seen(&scan, entry);
	}
	seq = newest_seq(&scan);
	seq = seq < MS_JOURNAL_SEQ_MAX ? seq + 1 : MS_JOURNAL_SEQ_MAX;
	ms_jentry_seal(entry, seq, event->time, first, count);
	memcpy(image + (size_t)at * MS_JENTRY_SIZE, entry, MS_JENTRY_SIZE);
	if (*len < ((size_t)at + 1) * MS_JENTRY_SIZE)
		*len = ((size_t)at + 1) * MS_JENTRY_SIZE;
	return true;
}

static bool event_valid(const struct ms_journal_event *event)
{
	return (event->result == MS_JOURNAL_ACCEPTED ||
		event->result == MS_JOURNAL_REFUSED) &&
	       (unsigned)event->detail < MS_JOURNAL_DETAIL_COUNT;
}

enum ms_status ms_journal_note(const struct ms_store *store, const char *name,
			       const struct ms_journal_event *event,
			       bool *new_address, struct ms_error *err)
{
	struct journal_note note = { event, new_address };

	*new_address = false;
	if (!store->settings->activity_journal)
		return MS_OK;
	/* An entry it would make is one no reader takes. */
	if (!event_valid(event))
		return ms_fail(err, MS_INVALID, "%s: no such journal event",
			       name);
	return store->ops->journal_edit(store, name, note_event, &note, err);
}

static enum ms_status write_entry(int fd, const char *shown, unsigned i,
				  const unsigned char *entry,
				  struct ms_error *err)
{
	ssize_t written = pwrite(fd, entry, MS_JENTRY_SIZE,
				 (off_t)i * MS_JENTRY_SIZE);

	if (written < 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "write %s", shown);
	if (written != MS_JENTRY_SIZE)
		return ms_fail(err, MS_SYSTEM, "write %s: short write", shown);
	return MS_OK;
}

/* One read, the edit, and a write of each entry it changed only: a torn
 * write can spoil no entry but one being written. */
static enum ms_status edit_in_file(int fd, const char *shown,
				   ms_journal_edit_fn *edit, void *arg,
				   struct ms_error *err)
{
	unsigned char image[MS_JOURNAL_BYTES], before[MS_JOURNAL_BYTES];
	unsigned present, after;
	size_t len;
	enum ms_status status = ms_journal_read_fd(fd, shown, image, &present,
						   err);

	if (status != MS_OK)
		return status;
	len = (size_t)present * MS_JENTRY_SIZE;
	memcpy(before, image, len);
	if (!edit(image, &len, arg))
		return MS_OK;
	after = image_present(image, len);
	for (unsigned i = 0; status == MS_OK && i < after; i++) {
		const unsigned char *entry = image + (size_t)i * MS_JENTRY_SIZE;

		if (i >= present ||
		    memcmp(entry, before + (size_t)i * MS_JENTRY_SIZE,
			   MS_JENTRY_SIZE) != 0)
			status = write_entry(fd, shown, i, entry, err);
	}
	return status;
}

enum ms_status ms_files_journal_edit(const struct ms_store *store,
				     const char *name,
				     ms_journal_edit_fn *edit, void *arg,
				     struct ms_error *err)
{
	char file[MS_FILE_NAME_MAX], shown[MS_SHOWN_MAX];
	enum ms_status status;
	int fd = -1;

	ms_journal_file_name(name, file, sizeof(file));
	status = ms_slots_open_rw_of(store, name, file, shown, &fd, err);
	/* A login decided after its mailbox's removal: nothing to note. */
	if (status == MS_NOT_FOUND) {
		ms_error_clear(err);
		return MS_OK;
	}
	if (status != MS_OK)
		return status;
	status = ms_fd_lock(fd, LOCK_EX, shown, err);
	if (status == MS_OK)
		status = edit_in_file(fd, shown, edit, arg, err);
	/* The close releases the lock. */
	if (close(fd) != 0 && status == MS_OK)
		status = ms_fail_errno(err, MS_SYSTEM, errno, "close %s",
				       shown);
	return status;
}
