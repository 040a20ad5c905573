/* The activity journal: fixed entries, coalesced, reused oldest first,
 * each checksummed (journal.c, journal_entry.c, journal_note.c). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "helpers.h"
#include "journal.h"
#include "pwrite_count.h"
#include "suites.h"

#define NAME "alice@example.com"
/* journal_entry.c's layout: entry i at offset i * ENTRY_SIZE, the
 * checksum in its last 16 bytes, the version at offset 4. */
#define ENTRY_SIZE 256
#define T0 1700000000

static void journal_path(char path[PATH_MAX])
{
	ts_path(path, PATH_MAX, th.state, NAME ".journal", NULL);
}

/* The store, and a record for NAME: only a mailbox has a journal. */
static void journal_setup(void)
{
	char path[PATH_MAX];

	th_store_setup();
	if (ts_pg()) {
		struct ms_record record = { .password = "$5$x$unused" };

		th_row(NAME, &record);
		return;
	}
	ts_path(path, sizeof(path), th.users, NAME ".conf", NULL);
	ts_write_str(path, "", 0600);
}

static struct ms_journal_event event(enum ms_journal_result result,
				     enum ms_journal_detail detail,
				     const char *rhost, int64_t time)
{
	struct ms_journal_event e = {
		.time = time, .role = MS_ROLE_CLIENT, .result = result,
		.detail = detail, .service = "imap", .rhost = rhost,
	};

	return e;
}

/* Notes `e`; whether it was a new address. */
static bool note(const struct ms_journal_event *e)
{
	struct ms_error err = { 0 };
	bool new_address = true;

	ck_assert_msg(ms_journal_note(&th.store, NAME, e, &new_address, &err) ==
			      MS_OK,
		      "%s", err.msg);
	return new_address;
}

/* The k-th distinct decision (k from 0), from its own address. */
static void note_kind(unsigned k, int64_t time)
{
	char rhost[32];
	struct ms_journal_event e;

	snprintf(rhost, sizeof(rhost), "192.0.2.%u", k);
	e = event(MS_JOURNAL_REFUSED, MS_JOURNAL_BAD_PASSWORD, rhost, time);
	note(&e);
}

static void read_all(struct ms_journal_entry entries[MS_JOURNAL_ENTRIES],
		     unsigned *count, unsigned *damaged)
{
	struct ms_error err = { 0 };

	ck_assert_msg(ms_journal_read(&th.store, NAME, entries, count, damaged,
				      &err) == MS_OK,
		      "%s", err.msg);
}

/* Changes entry `index` on disk: one byte flipped (a torn write), or, with
 * `version` non-zero, that version under a checksum that fits. */
static void spoil(unsigned index, uint32_t version)
{
	unsigned char entry[ENTRY_SIZE];
	char path[PATH_MAX];
	off_t at = (off_t)index * ENTRY_SIZE;
	int fd;

	journal_path(path);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, entry, ENTRY_SIZE, at), ENTRY_SIZE);
	if (version) {
		memcpy(entry + 4, &version, sizeof(version));
		crypto_generichash(entry + ENTRY_SIZE - 16, 16, entry,
				   ENTRY_SIZE - 16, NULL, 0);
	} else {
		entry[100] ^= 0x01;
	}
	ck_assert_int_eq(pwrite(fd, entry, ENTRY_SIZE, at), ENTRY_SIZE);
	close(fd);
}

/* Writes `len` bytes at `offset` of entry `index`, under a checksum that
 * fits: an entry whole, but not as the writer would make it. */
static void tamper(unsigned index, size_t offset, const void *bytes,
		   size_t len)
{
	unsigned char entry[ENTRY_SIZE];
	char path[PATH_MAX];
	off_t at = (off_t)index * ENTRY_SIZE;
	int fd;

	journal_path(path);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, entry, ENTRY_SIZE, at), ENTRY_SIZE);
	memcpy(entry + offset, bytes, len);
	crypto_generichash(entry + ENTRY_SIZE - 16, 16, entry, ENTRY_SIZE - 16,
			   NULL, 0);
	ck_assert_int_eq(pwrite(fd, entry, ENTRY_SIZE, at), ENTRY_SIZE);
	close(fd);
}

static bool holds_rhost(const struct ms_journal_entry *entries, unsigned count,
			const char *rhost)
{
	for (unsigned i = 0; i < count; i++)
		if (strcmp(entries[i].rhost, rhost) == 0)
			return true;
	return false;
}

START_TEST(missing_journal_is_empty)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	unsigned count = 9, damaged = 9;

	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, 0);
	ck_assert_uint_eq(damaged, 0);
}
END_TEST

START_TEST(round_trip_every_field)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	struct ms_journal_event e = {
		.time = T0, .role = MS_ROLE_WEBMAIL, .result = MS_JOURNAL_ACCEPTED,
		.detail = MS_JOURNAL_APP_PASSWORD, .service = "roundcube",
		.rhost = "2001:db8::1", .app = "phone",
	};
	unsigned count, damaged;
	char path[PATH_MAX];
	mode_t old = umask(0);

	note(&e);
	umask(old);
	journal_path(path);
	ck_assert_uint_eq(ts_mode(path), 0600);
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(damaged, 0);
	ck_assert_uint_eq(entries[0].seq, 1);
	ck_assert_int_eq(entries[0].time, T0);
	ck_assert_int_eq(entries[0].first, T0);
	ck_assert_uint_eq(entries[0].count, 1);
	ck_assert_int_eq(entries[0].role, MS_ROLE_WEBMAIL);
	ck_assert_int_eq(entries[0].result, MS_JOURNAL_ACCEPTED);
	ck_assert_int_eq(entries[0].detail, MS_JOURNAL_APP_PASSWORD);
	ck_assert_str_eq(entries[0].service, "roundcube");
	ck_assert_str_eq(entries[0].rhost, "2001:db8::1");
	ck_assert_str_eq(entries[0].app, "phone");
}
END_TEST

START_TEST(text_is_cut_and_made_safe)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	struct ms_journal_event e = event(MS_JOURNAL_REFUSED,
					  MS_JOURNAL_BAD_CODE,
					  "10.0.0.1\n\033[2J", T0);
	char service[100];
	unsigned count, damaged;

	memset(service, 's', sizeof(service) - 1);
	service[sizeof(service) - 1] = '\0';
	e.service = service;
	note(&e);
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(strlen(entries[0].service), MS_JOURNAL_SERVICE_MAX - 1);
	ck_assert_str_eq(entries[0].rhost, "10.0.0.1??[2J");
	ck_assert_str_eq(entries[0].app, "");
}
END_TEST

/* The app field keeps a name as its record allows it: names that differ
 * only in spaces or accents stay apart. */
START_TEST(app_name_is_kept_whole)
{
	static const char *const names[] = {
		"Thunderbird at home", "Thunderbird?at?home",
		"Mon t\xc3\xa9l\xc3\xa9phone", "Mon t??l??phone",
	};
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	struct ms_journal_event e = event(MS_JOURNAL_ACCEPTED,
					  MS_JOURNAL_APP_PASSWORD, "192.0.2.1",
					  T0);
	char name[80];
	unsigned count, damaged;

	for (unsigned i = 0; i < 4; i++) {
		e.app = names[i];
		note(&e);
	}
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, 4);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_str_eq(entries[i].app, names[3 - i]);
	/* 63 bytes and a 2-byte character: cut before the character. */
	memset(name, 'a', 63);
	strcpy(name + 63, "\xc3\xa9");
	e.app = name;
	note(&e);
	/* A control, or a byte that is no UTF-8, is never kept. */
	e.app = "tab\there \xff";
	note(&e);
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, 6);
	ck_assert_uint_eq(damaged, 0);
	ck_assert_str_eq(entries[0].app, "tab?here ?");
	name[63] = '\0';
	ck_assert_str_eq(entries[1].app, name);
}
END_TEST

/* A whole entry whose app field holds what no name may: a C1 control
 * (in UTF-8), or a byte past the name's end. */
START_TEST(app_field_of_a_control_is_torn)
{
	static const char csi[] = "x\xc2\x9b" "2J";
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	struct ms_journal_event e = event(MS_JOURNAL_ACCEPTED,
					  MS_JOURNAL_APP_PASSWORD, "192.0.2.1",
					  T0);
	unsigned count, damaged;

	e.app = "phone";
	note(&e);
	e.app = "tablet";
	note(&e);
	/* journal_entry.c's layout: the app field at offset 118. */
	tamper(0, 118, csi, sizeof(csi));
	tamper(1, 118 + 64, "x", 1);
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, 0);
	ck_assert_uint_eq(damaged, 2);
}
END_TEST

START_TEST(alike_decisions_coalesce)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	struct ms_journal_event bad = event(MS_JOURNAL_REFUSED,
					    MS_JOURNAL_BAD_PASSWORD,
					    "192.0.2.7", T0);
	struct ms_journal_event good = event(MS_JOURNAL_ACCEPTED,
					     MS_JOURNAL_PASSWORD, "192.0.2.7",
					     T0 + 5);
	unsigned count, damaged;

	note(&bad);
	note(&good);
	bad.time = T0 + 10;
	note(&bad);
	bad.time = T0 + 20;
	note(&bad);
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, 2);
	/* The refusals' entry is the newest again. */
	ck_assert_int_eq(entries[0].detail, MS_JOURNAL_BAD_PASSWORD);
	ck_assert_uint_eq(entries[0].count, 3);
	ck_assert_int_eq(entries[0].first, T0);
	ck_assert_int_eq(entries[0].time, T0 + 20);
	ck_assert_uint_eq(entries[0].seq, 4);
	ck_assert_int_eq(entries[1].detail, MS_JOURNAL_PASSWORD);
	ck_assert_uint_eq(entries[1].count, 1);
	/* Another service, address or app password is another entry. */
	bad.service = "pop3";
	note(&bad);
	bad.service = "imap";
	bad.rhost = "192.0.2.8";
	note(&bad);
	bad.rhost = "192.0.2.7";
	bad.app = "phone";
	note(&bad);
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, 5);
}
END_TEST

static void read_file(unsigned char bytes[MS_JOURNAL_ENTRIES * ENTRY_SIZE])
{
	char path[PATH_MAX];
	int fd;

	journal_path(path);
	memset(bytes, 0, MS_JOURNAL_ENTRIES * ENTRY_SIZE);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(pread(fd, bytes, MS_JOURNAL_ENTRIES * ENTRY_SIZE, 0),
			 0);
	close(fd);
}

/* How many entries differ between two reads of the file. */
static unsigned entries_changed(const unsigned char *before,
				const unsigned char *after)
{
	unsigned changed = 0;

	for (unsigned i = 0; i < MS_JOURNAL_ENTRIES; i++)
		changed += memcmp(before + i * ENTRY_SIZE,
				  after + i * ENTRY_SIZE, ENTRY_SIZE) != 0;
	return changed;
}

/* A note is one pwrite of one entry, whether it counts on an entry, takes
 * a free one or replaces the oldest: the others are never written, so a
 * torn write can spoil no other. */
START_TEST(a_note_writes_one_entry)
{
	static unsigned char before[MS_JOURNAL_ENTRIES * ENTRY_SIZE];
	static unsigned char after[MS_JOURNAL_ENTRIES * ENTRY_SIZE];
	struct pwrite_count written;
	char path[PATH_MAX];
	const unsigned kinds[] = { 3, 10, 3, MS_JOURNAL_ENTRIES + 1 };

	journal_path(path);
	for (unsigned k = 0; k < 10; k++)
		note_kind(k, T0 + k);
	for (unsigned i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		if (kinds[i] > MS_JOURNAL_ENTRIES) /* a full journal */
			for (unsigned k = 11; k < MS_JOURNAL_ENTRIES; k++)
				note_kind(k, T0 + 100 + k);
		read_file(before);
		pwrite_count_start(path);
		note_kind(kinds[i], T0 + 1000 + i);
		written = pwrite_count_stop();
		read_file(after);
		ck_assert_uint_eq(written.calls, 1);
		ck_assert_uint_eq(written.bytes, ENTRY_SIZE);
		ck_assert_uint_eq(entries_changed(before, after), 1);
	}
}
END_TEST

START_TEST(full_journal_replaces_the_oldest)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	unsigned count, damaged;
	char path[PATH_MAX];
	struct stat st;

	for (unsigned k = 0; k < MS_JOURNAL_ENTRIES; k++)
		note_kind(k, T0 + k);
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, MS_JOURNAL_ENTRIES);
	/* The first kind noted again is the newest, so the second is now
	 * the oldest and the next new kind takes its entry. */
	note_kind(0, T0 + 100);
	note_kind(MS_JOURNAL_ENTRIES, T0 + 101);
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, MS_JOURNAL_ENTRIES);
	ck_assert_uint_eq(damaged, 0);
	ck_assert_str_eq(entries[0].rhost, "192.0.2.64");
	ck_assert_str_eq(entries[1].rhost, "192.0.2.0");
	ck_assert(!holds_rhost(entries, count, "192.0.2.1"));
	ck_assert_str_eq(entries[count - 1].rhost, "192.0.2.2");
	for (unsigned i = 1; i < count; i++)
		ck_assert_uint_lt(entries[i].seq, entries[i - 1].seq);
	/* A file of exactly the entries, however long the mailbox lives. */
	journal_path(path);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, MS_JOURNAL_ENTRIES * ENTRY_SIZE);
}
END_TEST

/* An intruder's refusals from ever new addresses cannot push the
 * owner's, or their own, acceptance out of a full journal. */
START_TEST(refusals_never_replace_an_acceptance)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	struct ms_journal_event good = event(MS_JOURNAL_ACCEPTED,
					     MS_JOURNAL_PASSWORD, "192.0.2.250",
					     T0);
	const struct ms_journal_entry *last;
	unsigned count, damaged;

	note(&good);
	for (unsigned k = 0; k < 200; k++)
		note_kind(k, T0 + 1 + k);
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, MS_JOURNAL_ENTRIES);
	last = ms_journal_last_accepted(entries, count, MS_ROLE_CLIENT);
	ck_assert_ptr_nonnull(last);
	ck_assert_str_eq(last->rhost, "192.0.2.250");
	/* The refusals took the oldest refusal's entry each time. */
	ck_assert_str_eq(entries[0].rhost, "192.0.2.199");
	ck_assert_str_eq(entries[count - 1].rhost, "192.0.2.250");
	ck_assert_str_eq(entries[count - 2].rhost, "192.0.2.137");
	/* An acceptance still takes the oldest entry, whatever it holds. */
	good.rhost = "192.0.2.251";
	note(&good);
	read_all(entries, &count, &damaged);
	ck_assert(!holds_rhost(entries, count, "192.0.2.250"));
	ck_assert(holds_rhost(entries, count, "192.0.2.137"));
}
END_TEST

START_TEST(torn_entry_is_skipped_and_reused)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	unsigned count, damaged;

	for (unsigned k = 0; k < MS_JOURNAL_ENTRIES; k++)
		note_kind(k, T0 + k);
	tamper(10, 0, "xxxx", 4); /* its start torn: no magic */
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, MS_JOURNAL_ENTRIES - 1);
	ck_assert_uint_eq(damaged, 1);
	ck_assert(!holds_rhost(entries, count, "192.0.2.10"));
	/* A new kind goes where the torn entry was, not over the oldest. */
	note_kind(MS_JOURNAL_ENTRIES, T0 + 100);
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, MS_JOURNAL_ENTRIES);
	ck_assert_uint_eq(damaged, 0);
	ck_assert(holds_rhost(entries, count, "192.0.2.0"));
}
END_TEST

/* Telling that takes a checksum, which a writer computes only where its
 * choice depends on it: such an entry is reused when it is the oldest. */
START_TEST(entry_failing_its_checksum_goes_when_oldest)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	unsigned count, damaged;

	for (unsigned k = 0; k < MS_JOURNAL_ENTRIES; k++)
		note_kind(k, T0 + k);
	spoil(1, 0);
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, MS_JOURNAL_ENTRIES - 1);
	ck_assert_uint_eq(damaged, 1);
	ck_assert(!holds_rhost(entries, count, "192.0.2.1"));
	note_kind(MS_JOURNAL_ENTRIES, T0 + 100); /* over the oldest, 0 */
	note_kind(MS_JOURNAL_ENTRIES + 1, T0 + 101); /* over 1 */
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, MS_JOURNAL_ENTRIES);
	ck_assert_uint_eq(damaged, 0);
	ck_assert(!holds_rhost(entries, count, "192.0.2.0"));
	ck_assert(holds_rhost(entries, count, "192.0.2.2"));
}
END_TEST

START_TEST(torn_entry_is_never_counted_on)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	struct ms_journal_event good = event(MS_JOURNAL_ACCEPTED,
					     MS_JOURNAL_PASSWORD, "192.0.2.7",
					     T0);
	unsigned count, damaged;

	ck_assert(note(&good));
	ck_assert(!note(&good));
	spoil(0, 0);
	/* Its address is not seen, and its count not carried on. */
	good.time = T0 + 1;
	ck_assert(note(&good));
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(damaged, 1);
	ck_assert_uint_eq(entries[0].count, 1);
	ck_assert_int_eq(entries[0].first, T0 + 1);
}
END_TEST

START_TEST(torn_newest_does_not_set_the_sequence)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	unsigned count, damaged;

	note_kind(0, T0);
	note_kind(1, T0 + 1);
	note_kind(2, T0 + 2);
	spoil(2, 0);
	note_kind(0, T0 + 3);
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, 2);
	ck_assert_str_eq(entries[0].rhost, "192.0.2.0");
	ck_assert_uint_eq(entries[0].seq, 3);
}
END_TEST

START_TEST(unknown_version_is_kept_until_needed)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	unsigned count, damaged;

	note_kind(0, T0);
	note_kind(1, T0 + 1);
	spoil(1, 99);
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(damaged, 1);
	/* Free entries are taken first; the newer format's entry stays. */
	for (unsigned k = 2; k < MS_JOURNAL_ENTRIES; k++)
		note_kind(k, T0 + k);
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, MS_JOURNAL_ENTRIES - 1);
	ck_assert_uint_eq(damaged, 1);
	/* Once none is free, it goes before the oldest valid entry. */
	note_kind(MS_JOURNAL_ENTRIES, T0 + 100);
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, MS_JOURNAL_ENTRIES);
	ck_assert_uint_eq(damaged, 0);
	ck_assert(holds_rhost(entries, count, "192.0.2.0"));
}
END_TEST

/* journal_entry.c's offsets: seq at 8, the rhost field at 72, the
 * service at 40 (32 bytes). */
START_TEST(only_what_the_writer_writes_is_valid)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	unsigned count, damaged;

	note_kind(0, T0);
	note_kind(1, T0 + 1);
	note_kind(2, T0 + 2);
	tamper(0, 72 + 3, "\033", 1); /* a control byte in the address */
	tamper(1, 40 + 20, "x", 1);   /* a byte after the service's NUL */
	tamper(2, 36, "\x07", 1);     /* no such role */
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, 0);
	ck_assert_uint_eq(damaged, 3);
}
END_TEST

START_TEST(sequence_numbers_saturate)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	uint64_t top = MS_JOURNAL_SEQ_MAX, beyond = top + 1;
	unsigned count, damaged;

	note_kind(0, T0);
	note_kind(1, T0 + 1);
	tamper(1, 8, &beyond, sizeof(beyond));
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(damaged, 1);
	tamper(1, 8, &top, sizeof(top));
	note_kind(2, T0 + 2);
	read_all(entries, &count, &damaged);
	ck_assert_uint_eq(count, 3);
	ck_assert_uint_eq(entries[0].seq, top);
	ck_assert_uint_eq(entries[1].seq, top);
}
END_TEST

START_TEST(new_address_rules)
{
	struct ms_journal_event e = event(MS_JOURNAL_ACCEPTED,
					  MS_JOURNAL_PASSWORD, "192.0.2.1", T0);

	ck_assert(note(&e)); /* the first login of a journal */
	ck_assert(!note(&e));
	e.service = "pop3"; /* same address, another service */
	ck_assert(!note(&e));
	e.rhost = "192.0.2.2";
	e.result = MS_JOURNAL_REFUSED;
	e.detail = MS_JOURNAL_BAD_PASSWORD;
	ck_assert(!note(&e)); /* a refusal is never a new address... */
	e.result = MS_JOURNAL_ACCEPTED;
	e.detail = MS_JOURNAL_CODE;
	ck_assert(note(&e)); /* ...nor makes its address seen */
	e.rhost = NULL;
	ck_assert(!note(&e));
	e.rhost = "";
	ck_assert(!note(&e));
	e.rhost = "-";
	ck_assert(!note(&e));
}
END_TEST

START_TEST(symlink_is_refused)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	struct ms_journal_event e = event(MS_JOURNAL_ACCEPTED,
					  MS_JOURNAL_PASSWORD, "192.0.2.1", T0);
	char path[PATH_MAX], target[PATH_MAX];
	struct ms_error err = { 0 };
	unsigned count, damaged;
	bool new_address;
	struct stat st;

	journal_path(path);
	ts_path(target, sizeof(target), th.dir, "target", NULL);
	ts_write_str(target, "", 0600);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(ms_journal_note(&th.store, NAME, &e, &new_address,
					 &err),
			 MS_SYSTEM);
	ck_assert_msg(th_has(err.msg, "symbolic link"), "%s", err.msg);
	ck_assert_int_eq(ms_journal_read(&th.store, NAME, entries, &count,
					 &damaged, &err),
			 MS_SYSTEM);
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
}
END_TEST

START_TEST(remove_deletes_the_journal)
{
	struct ms_journal_event e = event(MS_JOURNAL_ACCEPTED,
					  MS_JOURNAL_PASSWORD, "192.0.2.1", T0);
	struct ms_error err = { 0 };
	char path[PATH_MAX];

	note(&e);
	journal_path(path);
	ck_assert_uint_eq(ts_mode(path), 0600);
	ck_assert_int_eq(ms_journal_remove(&th.store, NAME, &err), MS_OK);
	ck_assert_uint_eq(ts_mode(path), (mode_t)-1);
	ck_assert_int_eq(ms_journal_remove(&th.store, NAME, &err), MS_OK);
	/* A journal starts again: its first address is new. */
	ck_assert(note(&e));
}
END_TEST

/* A login that read the record before a remove, and is decided after
 * it, leaves no journal behind for the name. */
START_TEST(no_journal_without_a_record)
{
	struct ms_journal_event e = event(MS_JOURNAL_REFUSED,
					  MS_JOURNAL_BAD_PASSWORD, "192.0.2.1",
					  T0);
	struct ms_error err = { 0 };
	char path[PATH_MAX], record[PATH_MAX];
	bool new_address = true;

	ts_path(record, sizeof(record), th.users, NAME ".conf", NULL);
	ck_assert_int_eq(unlink(record), 0);
	ck_assert_int_eq(ms_journal_note(&th.store, NAME, &e, &new_address,
					 &err), MS_OK);
	ck_assert(!new_address);
	journal_path(path);
	ck_assert_uint_eq(ts_mode(path), (mode_t)-1);
	/* A journal there already (the remove not done yet) is written. */
	ts_write_str(record, "", 0600);
	note(&e);
	ck_assert_int_eq(unlink(record), 0);
	e.time = T0 + 1;
	note(&e);
	ck_assert_uint_eq(ts_mode(path), 0600);
}
END_TEST

START_TEST(off_writes_nothing)
{
	struct ms_journal_event e = event(MS_JOURNAL_ACCEPTED,
					  MS_JOURNAL_PASSWORD, "192.0.2.1", T0);
	char path[PATH_MAX];

	th.settings.activity_journal = false;
	ck_assert(!note(&e));
	journal_path(path);
	ck_assert_uint_eq(ts_mode(path), (mode_t)-1);
}
END_TEST

START_TEST(event_of_no_known_detail_is_refused)
{
	struct ms_journal_event e = event(MS_JOURNAL_ACCEPTED,
					  MS_JOURNAL_DETAIL_COUNT, "192.0.2.1",
					  T0);
	struct ms_error err = { 0 };
	char path[PATH_MAX];
	bool new_address;

	ck_assert_int_eq(ms_journal_note(&th.store, NAME, &e, &new_address,
					 &err),
			 MS_INVALID);
	e.detail = MS_JOURNAL_PASSWORD;
	e.result = (enum ms_journal_result)7;
	ck_assert_int_eq(ms_journal_note(&th.store, NAME, &e, &new_address,
					 &err),
			 MS_INVALID);
	journal_path(path);
	ck_assert_uint_eq(ts_mode(path), (mode_t)-1);
}
END_TEST

START_TEST(names_and_code_results)
{
	ck_assert_str_eq(ms_journal_detail_name(MS_JOURNAL_PASSWORD), "password");
	ck_assert_str_eq(ms_journal_detail_name(MS_JOURNAL_APP_PASSWORD_REFUSED),
			 "app-password-refused");
	ck_assert_ptr_null(ms_journal_detail_name(MS_JOURNAL_DETAIL_COUNT));
	for (int d = 0; d < MS_JOURNAL_DETAIL_COUNT; d++)
		ck_assert_ptr_nonnull(ms_journal_detail_name(d));
	ck_assert_str_eq(ms_journal_result_name(MS_JOURNAL_REFUSED), "refused");
	ck_assert_int_eq(ms_journal_detail_of_code(MS_CODE_OK), MS_JOURNAL_CODE);
	ck_assert_int_eq(ms_journal_detail_of_code(MS_CODE_RECOVERY_OK),
			 MS_JOURNAL_RECOVERY);
	ck_assert_int_eq(ms_journal_detail_of_code(MS_CODE_MISSING),
			 MS_JOURNAL_MISSING_CODE);
	ck_assert_int_eq(ms_journal_detail_of_code(MS_CODE_WRONG),
			 MS_JOURNAL_BAD_CODE);
	ck_assert_int_eq(ms_journal_detail_of_code(MS_CODE_REPLAYED),
			 MS_JOURNAL_REPLAY);
	ck_assert_int_eq(ms_journal_detail_of_code(MS_CODE_LOCKED),
			 MS_JOURNAL_LOCKED);
	ck_assert_int_eq(ms_journal_detail_of_code(MS_CODE_ERROR),
			 MS_JOURNAL_DETAIL_COUNT);
	ck_assert_int_eq(ms_journal_detail_of_auth(MS_AUTH_PASSWORD),
			 MS_JOURNAL_PASSWORD);
	ck_assert_int_eq(ms_journal_detail_of_auth(MS_AUTH_SESSION),
			 MS_JOURNAL_SESSION);
	ck_assert_int_eq(ms_journal_detail_of_auth(MS_AUTH_CODE),
			 MS_JOURNAL_CODE);
	ck_assert_int_eq(ms_journal_detail_of_auth(MS_AUTH_RECOVERY),
			 MS_JOURNAL_RECOVERY);
	ck_assert_int_eq(ms_journal_detail_of_auth(MS_AUTH_APP_PASSWORD),
			 MS_JOURNAL_APP_PASSWORD);
	ck_assert_int_eq(ms_journal_detail_of_auth(MS_AUTH_UNKNOWN),
			 MS_JOURNAL_DETAIL_COUNT);
}
END_TEST

START_TEST(last_accepted_per_role)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	struct ms_journal_event e = event(MS_JOURNAL_ACCEPTED,
					  MS_JOURNAL_PASSWORD, "192.0.2.1", T0);
	const struct ms_journal_entry *last;
	unsigned count, damaged;

	note(&e);
	e.role = MS_ROLE_WEBMAIL;
	e.detail = MS_JOURNAL_CODE;
	e.time = T0 + 1;
	note(&e);
	e.result = MS_JOURNAL_REFUSED;
	e.detail = MS_JOURNAL_BAD_CODE;
	e.time = T0 + 2;
	note(&e);
	read_all(entries, &count, &damaged);
	last = ms_journal_last_accepted(entries, count, MS_ROLE_WEBMAIL);
	ck_assert_ptr_nonnull(last);
	ck_assert_int_eq(last->time, T0 + 1);
	last = ms_journal_last_accepted(entries, count, MS_ROLE_CLIENT);
	ck_assert_ptr_nonnull(last);
	ck_assert_int_eq(last->time, T0);
	ck_assert_ptr_null(ms_journal_last_accepted(entries, 0, MS_ROLE_CLIENT));
}
END_TEST

START_TEST(decode_of_short_and_odd_bytes)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	unsigned char bytes[ENTRY_SIZE + 10];
	unsigned count, damaged;

	memset(bytes, 0, sizeof(bytes));
	ms_journal_decode(bytes, sizeof(bytes), entries, &count, &damaged);
	ck_assert_uint_eq(count, 0);
	ck_assert_uint_eq(damaged, 0);
	memset(bytes, 'x', sizeof(bytes));
	ms_journal_decode(bytes, sizeof(bytes), entries, &count, &damaged);
	ck_assert_uint_eq(count, 0);
	ck_assert_uint_eq(damaged, 2);
}
END_TEST

Suite *journal_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = ts_tcase_fixture("journal", journal_setup,
				     th_store_teardown);

	tcase_add_test(tc, missing_journal_is_empty);
	ts_add_files_test(tc, round_trip_every_field);
	tcase_add_test(tc, text_is_cut_and_made_safe);
	tcase_add_test(tc, app_name_is_kept_whole);
	ts_add_files_test(tc, app_field_of_a_control_is_torn);
	tcase_add_test(tc, alike_decisions_coalesce);
	ts_add_files_test(tc, a_note_writes_one_entry);
	ts_add_files_test(tc, full_journal_replaces_the_oldest);
	tcase_add_test(tc, refusals_never_replace_an_acceptance);
	ts_add_files_test(tc, torn_entry_is_skipped_and_reused);
	ts_add_files_test(tc, entry_failing_its_checksum_goes_when_oldest);
	ts_add_files_test(tc, torn_entry_is_never_counted_on);
	ts_add_files_test(tc, torn_newest_does_not_set_the_sequence);
	ts_add_files_test(tc, unknown_version_is_kept_until_needed);
	ts_add_files_test(tc, only_what_the_writer_writes_is_valid);
	ts_add_files_test(tc, sequence_numbers_saturate);
	tcase_add_test(tc, new_address_rules);
	ts_add_files_test(tc, symlink_is_refused);
	ts_add_files_test(tc, remove_deletes_the_journal);
	ts_add_files_test(tc, no_journal_without_a_record);
	tcase_add_test(tc, off_writes_nothing);
	tcase_add_test(tc, event_of_no_known_detail_is_refused);
	tcase_add_test(tc, names_and_code_results);
	tcase_add_test(tc, last_accepted_per_role);
	tcase_add_test(tc, decode_of_short_and_odd_bytes);
	suite_add_tcase(s, tc);
	return s;
}
