/* The activity journal's reader and writer on arbitrary journal files.
 * ms_journal_decode judges the bytes; the same bytes as a mailbox's
 * journal in a private store (fuzz_store.h) read the same through
 * ms_journal_read; then one login is noted, twice, and what the journal
 * reads afterwards must follow from what it held: the login newest, with
 * the next sequence number, counted on the entry of its kind if there was
 * one, else in a free entry, else a damaged or the oldest one; "new
 * address" exactly when no accepted entry held its address.
 *
 * Nothing here knows the entry layout: what a valid entry looks like
 * comes only from the seeds, which the library writes
 * (tests/fuzz/make-seeds). */
#include "config.h"

#include "fuzz.h"
#include "fuzz_store.h"
#include "journal.h"

#define NAME "alice@example.com"
#define RHOST "192.0.2.1"
#define NOW 1700000000

struct journal {
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	unsigned count, damaged;
};

static const struct ms_journal_event event = {
	.time = NOW, .role = MS_ROLE_CLIENT, .result = MS_JOURNAL_ACCEPTED,
	.detail = MS_JOURNAL_PASSWORD, .service = "imap", .rhost = RHOST,
};

static bool text_ok(const char *text, size_t size)
{
	return memchr(text, '\0', size) != NULL;
}

/* What any read gives: sane fields, newest first. */
static void check_read(const struct journal *j)
{
	FUZZ_CHECK(j->count + j->damaged <= MS_JOURNAL_ENTRIES);
	for (unsigned i = 0; i < j->count; i++) {
		const struct ms_journal_entry *e = &j->entries[i];

		FUZZ_CHECK(e->seq != 0 && e->count != 0);
		FUZZ_CHECK(e->role == MS_ROLE_CLIENT ||
			   e->role == MS_ROLE_WEBMAIL);
		FUZZ_CHECK(e->result == MS_JOURNAL_ACCEPTED ||
			   e->result == MS_JOURNAL_REFUSED);
		FUZZ_CHECK(ms_journal_detail_name(e->detail) != NULL);
		FUZZ_CHECK(text_ok(e->service, sizeof(e->service)) &&
			   text_ok(e->rhost, sizeof(e->rhost)) &&
			   text_ok(e->app, sizeof(e->app)));
		if (i > 0)
			FUZZ_CHECK(e->seq <= j->entries[i - 1].seq);
	}
}

static bool is_event(const struct ms_journal_entry *e)
{
	return e->role == event.role && e->result == event.result &&
	       e->detail == event.detail && strcmp(e->service, "imap") == 0 &&
	       strcmp(e->rhost, RHOST) == 0 && e->app[0] == '\0';
}

/* The entry of the event's kind, NULL if none; *alike how many. */
static const struct ms_journal_entry *find_event(const struct journal *j,
						 unsigned *alike)
{
	const struct ms_journal_entry *found = NULL;

	*alike = 0;
	for (unsigned i = 0; i < j->count; i++)
		if (is_event(&j->entries[i])) {
			found = &j->entries[i];
			(*alike)++;
		}
	return found;
}

static bool address_seen(const struct journal *j)
{
	for (unsigned i = 0; i < j->count; i++)
		if (j->entries[i].result == MS_JOURNAL_ACCEPTED &&
		    strcmp(j->entries[i].rhost, RHOST) == 0)
			return true;
	return false;
}

static unsigned copies(const struct journal *j,
		       const struct ms_journal_entry *e)
{
	unsigned n = 0;

	for (unsigned i = 0; i < j->count; i++)
		n += memcmp(&j->entries[i], e, sizeof(*e)) == 0;
	return n;
}

/* Whether `after` holds one copy fewer of an entry of `before`'s lowest
 * sequence number (a journal pieced together may hold several). */
static bool oldest_gone(const struct journal *before,
			const struct journal *after)
{
	uint64_t lowest = before->entries[before->count - 1].seq;

	for (unsigned i = 0; i < before->count; i++) {
		const struct ms_journal_entry *e = &before->entries[i];

		if (e->seq == lowest && copies(after, e) + 1 == copies(before, e))
			return true;
	}
	return false;
}

static void read_journal(struct journal *j)
{
	struct ms_error err = { 0 };

	FUZZ_CHECK(ms_journal_read(&fuzz_store, NAME, j->entries, &j->count,
				   &j->damaged, &err) == MS_OK);
	check_read(j);
}

/* One note of the event on a journal that read as `before`. */
static void check_note(const struct journal *before, struct journal *after)
{
	struct ms_error err = { 0 };
	const struct ms_journal_entry *old, *newest;
	bool new_address = false;
	uint64_t top = before->count ? before->entries[0].seq : 0;
	unsigned alike, free_entries = MS_JOURNAL_ENTRIES - before->count -
				       before->damaged;

	FUZZ_CHECK(ms_journal_note(&fuzz_store, NAME, &event, &new_address,
				   &err) == MS_OK);
	FUZZ_CHECK(new_address == !address_seen(before));
	read_journal(after);
	old = find_event(before, &alike);
	newest = &after->entries[0];
	FUZZ_CHECK(after->count >= 1);
	FUZZ_CHECK(newest->seq ==
		   (top < MS_JOURNAL_SEQ_MAX ? top + 1 : MS_JOURNAL_SEQ_MAX));
	if (top >= MS_JOURNAL_SEQ_MAX)
		return; /* ties at the top: the order among them is open */
	FUZZ_CHECK(is_event(newest) && newest->time == NOW);
	if (old) {
		FUZZ_CHECK(after->count == before->count &&
			   after->damaged == before->damaged);
		if (alike == 1)
			FUZZ_CHECK(newest->first == old->first &&
				   newest->count ==
					   (old->count == UINT32_MAX
						    ? UINT32_MAX
						    : old->count + 1));
		return;
	}
	FUZZ_CHECK(newest->count == 1 && newest->first == NOW);
	if (free_entries > 0)
		FUZZ_CHECK(after->count == before->count + 1 &&
			   after->damaged == before->damaged);
	else if (before->damaged > 0 && after->count == before->count + 1)
		FUZZ_CHECK(after->damaged == before->damaged - 1);
	else /* a damaged entry may be newer than the oldest valid one */
		FUZZ_CHECK(after->count == before->count &&
			   after->damaged == before->damaged &&
			   oldest_gone(before, after));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct journal decoded, before, once, twice;
	struct ms_error err = { 0 };
	bool new_address;

	ms_journal_decode(data, size, decoded.entries, &decoded.count,
			  &decoded.damaged);
	check_read(&decoded);
	fuzz_store_open(NAME);
	fuzz_file_put(fuzz_journal_path, data, size);
	if (size > MS_FILE_MAX) {
		/* Refused whole, as any oversized mailbox file. */
		FUZZ_CHECK(ms_journal_read(&fuzz_store, NAME, before.entries,
					   &before.count, &before.damaged,
					   &err) == MS_SYSTEM);
		FUZZ_CHECK(ms_journal_note(&fuzz_store, NAME, &event,
					   &new_address, &err) == MS_SYSTEM);
		return 0;
	}
	read_journal(&before);
	FUZZ_CHECK(before.count == decoded.count &&
		   before.damaged == decoded.damaged);
	FUZZ_CHECK(memcmp(before.entries, decoded.entries,
			  decoded.count * sizeof(decoded.entries[0])) == 0);
	check_note(&before, &once);
	check_note(&once, &twice);
	FUZZ_CHECK(twice.count == once.count && twice.damaged == once.damaged);
	return 0;
}
