/* Runtime state: two checksummed slots written alternately (state.c). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "helpers.h"
#include "recovery.h"
#include "state.h"
#include "suites.h"

#define NAME "alice@example.com"
/* state.c's layout: slot (seq % 2) at offset (seq % 2) * SLOT_SIZE. */
#define SLOT_SIZE 512

static void state_path(char path[PATH_MAX])
{
	ts_path(path, PATH_MAX, th.state, NAME ".state", NULL);
}

/* A state with every field set, and set differently for each `seed`. */
static void full_state(struct ms_state *s, unsigned seed)
{
	memset(s, 0, sizeof(*s));
	s->totp_used_until = 1700000030 + seed;
	s->totp_tag = 0x1122334455667788u + seed;
	s->fail_since = 1700000000 + seed;
	s->fail_count = 3 + seed;
	s->locked_until = 1700000900 + seed;
	s->recovery_tag = 0x0123456789abcdefu + seed;
	s->recovery_used = 0x205u + seed;
	s->recovery_last = 0x99aabbccddeeff00u + seed;
	for (unsigned i = 0; i < MS_STATE_SESSIONS; i++) {
		memset(s->sessions[i].tag, (int)(0x10 * i + seed + 1),
		       MS_SESSION_TAG_BYTES);
		s->sessions[i].created = 1600000000 + 100 * i + seed;
		s->sessions[i].last_used = 1600000050 + 100 * i + seed;
	}
	memset(s->cache.tag, (int)(0xc0 + seed), MS_CACHE_TAG_BYTES);
	s->cache.verified = 1700000500 + seed;
}

/* Equal in every field but seq. */
static void assert_state_eq(const struct ms_state *a, const struct ms_state *b)
{
	ck_assert_int_eq(a->totp_used_until, b->totp_used_until);
	ck_assert_uint_eq(a->totp_tag, b->totp_tag);
	ck_assert_uint_eq(a->legacy_step, b->legacy_step);
	ck_assert_int_eq(a->fail_since, b->fail_since);
	ck_assert_uint_eq(a->fail_count, b->fail_count);
	ck_assert_int_eq(a->locked_until, b->locked_until);
	ck_assert_uint_eq(a->recovery_tag, b->recovery_tag);
	ck_assert_uint_eq(a->recovery_used, b->recovery_used);
	ck_assert_uint_eq(a->recovery_last, b->recovery_last);
	for (unsigned i = 0; i < MS_STATE_SESSIONS; i++) {
		ck_assert_mem_eq(a->sessions[i].tag, b->sessions[i].tag,
				 MS_SESSION_TAG_BYTES);
		ck_assert_int_eq(a->sessions[i].created, b->sessions[i].created);
		ck_assert_int_eq(a->sessions[i].last_used,
				 b->sessions[i].last_used);
	}
	ck_assert_mem_eq(a->cache.tag, b->cache.tag, MS_CACHE_TAG_BYTES);
	ck_assert_int_eq(a->cache.verified, b->cache.verified);
}

static void save(struct ms_state *s)
{
	struct ms_error err = { 0 };

	ck_assert_msg(ms_state_save(&th.store, NAME, s, &err) == MS_OK, "%s",
		      err.msg);
}

static void load(struct ms_state *s)
{
	struct ms_error err = { 0 };

	memset(s, 0x5a, sizeof(*s));
	ck_assert_msg(ms_state_load(&th.store, NAME, s, &err) == MS_OK, "%s",
		      err.msg);
}

/* Overwrites `len` bytes at `offset` of the state file with `byte`. */
static void scribble(off_t offset, size_t len, int byte)
{
	char path[PATH_MAX], junk[SLOT_SIZE];
	int fd;

	state_path(path);
	memset(junk, byte, sizeof(junk));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, junk, len, offset), (ssize_t)len);
	close(fd);
}

START_TEST(missing_file_is_fresh_state)
{
	struct ms_state s, zero;

	memset(&zero, 0, sizeof(zero));
	load(&s);
	ck_assert_mem_eq(&s, &zero, sizeof(s));
}
END_TEST

START_TEST(round_trip_every_field)
{
	struct ms_state in, out;
	char path[PATH_MAX];

	full_state(&in, 0);
	save(&in);
	ck_assert_uint_eq(in.seq, 1);
	load(&out);
	ck_assert_uint_eq(out.seq, 1);
	assert_state_eq(&in, &out);
	state_path(path);
	ck_assert_uint_eq(ts_mode(path), 0600);
}
END_TEST

START_TEST(seq_increments)
{
	struct ms_state s;

	memset(&s, 0, sizeof(s));
	for (uint64_t want = 1; want <= 5; want++) {
		s.fail_count = (uint32_t)want;
		save(&s);
		ck_assert_uint_eq(s.seq, want);
		load(&s);
		ck_assert_uint_eq(s.seq, want);
		ck_assert_uint_eq(s.fail_count, want);
	}
}
END_TEST

START_TEST(torn_newest_slot_falls_back_to_older)
{
	struct ms_state older, newer, out;

	full_state(&older, 1);
	save(&older); /* seq 1: slot 1 */
	full_state(&newer, 2);
	newer.seq = older.seq;
	save(&newer); /* seq 2: slot 0 */
	load(&out);
	assert_state_eq(&newer, &out);

	/* A write torn half-way through slot 0. */
	scribble(0, SLOT_SIZE / 2, 'x');
	load(&out);
	ck_assert_uint_eq(out.seq, 1);
	assert_state_eq(&older, &out);
}
END_TEST

START_TEST(one_flipped_byte_is_caught)
{
	struct ms_state older, newer, out;

	full_state(&older, 1);
	save(&older);
	full_state(&newer, 2);
	newer.seq = older.seq;
	save(&newer);
	/* Inside totp_used_until of slot 0: only the checksum can tell. */
	scribble(16, 1, 0xff);
	load(&out);
	ck_assert_uint_eq(out.seq, 1);
	assert_state_eq(&older, &out);
}
END_TEST

START_TEST(corrupt_older_slot_keeps_newest)
{
	struct ms_state s, out;

	full_state(&s, 3);
	save(&s);
	save(&s); /* seq 2 in slot 0; seq 1 in slot 1 */
	scribble(SLOT_SIZE, SLOT_SIZE, 0);
	load(&out);
	ck_assert_uint_eq(out.seq, 2);
	assert_state_eq(&s, &out);
	/* The next write goes to the broken slot and repairs it. */
	save(&out);
	load(&out);
	ck_assert_uint_eq(out.seq, 3);
}
END_TEST

static bool edit_called;

static bool note_edit(struct ms_state *state, void *arg)
{
	edit_called = true;
	return true;
}

START_TEST(both_slots_corrupt_is_an_error)
{
	struct ms_state s, zero;
	struct ms_error err = { 0 };
	char path[PATH_MAX], *before, *after;
	size_t before_len, after_len;

	full_state(&s, 4); /* locked */
	save(&s);
	save(&s);
	scribble(0, SLOT_SIZE, 'x');
	scribble(SLOT_SIZE, SLOT_SIZE, 'y');
	state_path(path);
	before = ts_read(path, &before_len);
	ck_assert_int_eq(ms_state_load(&th.store, NAME, &s, &err), MS_INVALID);
	ck_assert_msg(th_has(err.msg, NAME ".state"), "%s", err.msg);
	/* Failing closed must not leave a usable-looking state behind: the
	 * struct holds nothing read from either slot, and a login's edit
	 * neither runs on it nor writes a fresh, unlocked state over the
	 * file, which stays refused. */
	memset(&zero, 0, sizeof(zero));
	ck_assert_mem_eq(&s, &zero, sizeof(s));
	edit_called = false;
	ck_assert_int_eq(ms_state_edit(&th.store, NAME, note_edit, NULL, &err),
			 MS_INVALID);
	ck_assert(!edit_called);
	after = ts_read(path, &after_len);
	ck_assert_uint_eq(after_len, before_len);
	ck_assert_mem_eq(after, before, before_len);
	ck_assert_int_eq(ms_state_load(&th.store, NAME, &s, &err), MS_INVALID);
	free(before);
	free(after);
}
END_TEST

START_TEST(file_ending_inside_slot_1)
{
	struct ms_state s, out;
	char path[PATH_MAX];

	full_state(&s, 9);
	save(&s);
	save(&s); /* seq 2 in slot 0, seq 1 in slot 1 */
	state_path(path);
	/* Cut anywhere inside slot 1: slot 0 is whole and still read. */
	for (off_t size = SLOT_SIZE + 1; size < 2 * SLOT_SIZE; size += 255) {
		ck_assert_int_eq(truncate(path, size), 0);
		load(&out);
		ck_assert_uint_eq(out.seq, 2);
		assert_state_eq(&s, &out);
	}
}
END_TEST

START_TEST(empty_file_is_fresh_state)
{
	char path[PATH_MAX];
	struct ms_state s;

	/* Made by open(O_CREAT), never written. */
	state_path(path);
	ts_write(path, "", 0, 0600);
	load(&s);
	ck_assert_uint_eq(s.seq, 0);
	ck_assert_int_eq(s.totp_used_until, 0);
}
END_TEST

START_TEST(torn_first_write_is_fresh_state)
{
	char path[PATH_MAX], bytes[2 * SLOT_SIZE];
	struct ms_state s;

	/* The first write goes to slot 1, behind a zero slot 0: cut short
	 * (disk full) or lost in a crash, it leaves no valid slot, and the
	 * state before it was the fresh one. A mailbox must not be stuck. */
	state_path(path);
	memset(bytes, 0, sizeof(bytes));
	memset(bytes + SLOT_SIZE, 'x', 200);
	ts_write(path, bytes, SLOT_SIZE + 200, 0600);
	load(&s);
	ck_assert_uint_eq(s.seq, 0);
	ts_write(path, bytes, sizeof(bytes), 0600);
	load(&s);
	ck_assert_uint_eq(s.seq, 0);
	/* And the next write repairs it. */
	s.totp_tag = 7;
	s.totp_used_until = 42;
	save(&s);
	load(&s);
	ck_assert_uint_eq(s.seq, 1);
	ck_assert_int_eq(s.totp_used_until, 42);
}
END_TEST

/* Stamps slot `index` with `version` and a checksum that fits. */
static void restamp(int index, uint32_t version)
{
	unsigned char slot[SLOT_SIZE];
	char path[PATH_MAX];
	off_t at = (off_t)index * SLOT_SIZE;
	int fd;

	state_path(path);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, slot, SLOT_SIZE, at), SLOT_SIZE);
	memcpy(slot + 4, &version, sizeof(version));
	crypto_generichash(slot + SLOT_SIZE - 16, 16, slot, SLOT_SIZE - 16,
			   NULL, 0);
	ck_assert_int_eq(pwrite(fd, slot, SLOT_SIZE, at), SLOT_SIZE);
	close(fd);
}

/* A slot of an older `version`: what `in` holds, without the fields that
 * version did not have, and a bare step where the replay mark is now. */
static void older_slot(uint32_t version, struct ms_state *in)
{
	in->totp_tag = 0; /* zero padding in versions 2 and 3 */
	in->recovery_last = 0;
	in->legacy_step = (uint64_t)in->totp_used_until;
	in->totp_used_until = 0;
	if (version == 2)
		memset(&in->cache, 0, sizeof(in->cache));
	save(in); /* seq 1: slot 1 */
	restamp(1, version);
}

START_TEST(older_versions_still_load)
{
	struct ms_state in, out;
	struct ms_error err = { 0 };

	for (uint32_t version = 2; version <= 3; version++) {
		ck_assert(ms_state_remove(&th.store, NAME, &err) != MS_SYSTEM);
		full_state(&in, 6);
		older_slot(version, &in);
		load(&out);
		ck_assert_uint_eq(out.seq, 1);
		assert_state_eq(&in, &out);
		/* Written again by this version, the bare step stays until a
		 * code is accepted. */
		save(&out);
		load(&out);
		ck_assert_uint_eq(out.seq, 2);
		assert_state_eq(&in, &out);
		full_state(&in, 7);
		in.seq = out.seq;
		save(&in);
		load(&out);
		ck_assert_uint_eq(out.seq, 3);
		assert_state_eq(&in, &out);
	}
}
END_TEST

START_TEST(unknown_version_fails_closed)
{
	struct ms_error err = { 0 };
	struct ms_state s;

	full_state(&s, 8);
	save(&s);
	save(&s); /* seq 2 in slot 0, seq 1 in slot 1 */
	/* The older slot alone is from a newer release (a downgrade): what
	 * it holds cannot be read, and the other slot is not trusted alone. */
	restamp(1, 99);
	ck_assert_int_eq(ms_state_load(&th.store, NAME, &s, &err), MS_INVALID);
	ck_assert_msg(th_has(err.msg, "format 99"), "%s", err.msg);
	restamp(1, 1);
	ck_assert_int_eq(ms_state_load(&th.store, NAME, &s, &err), MS_INVALID);
}
END_TEST

START_TEST(file_is_0600_whatever_the_umask)
{
	char path[PATH_MAX];
	struct ms_state s;
	struct ms_error err = { 0 };
	mode_t old = umask(0);
	enum ms_status status;

	memset(&s, 0, sizeof(s));
	status = ms_state_save(&th.store, NAME, &s, &err);
	umask(old);
	ck_assert_msg(status == MS_OK, "%s", err.msg);
	state_path(path);
	ck_assert_uint_eq(ts_mode(path), 0600);
}
END_TEST

START_TEST(unsafe_file_is_refused)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct ms_state s;
	struct ms_error err = { 0 };

	memset(&s, 0, sizeof(s));
	state_path(path);
	ts_path(target, sizeof(target), th.dir, "target", NULL);
	ts_write_str(target, "", 0600);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(ms_state_save(&th.store, NAME, &s, &err), MS_SYSTEM);
	ck_assert_int_eq(ms_state_load(&th.store, NAME, &s, &err), MS_SYSTEM);
	ck_assert_uint_eq(ts_mode(target), 0600);
	ck_assert_int_eq(unlink(path), 0);

	ts_write(path, "", 0, 0620);
	ck_assert_int_eq(ms_state_save(&th.store, NAME, &s, &err), MS_SYSTEM);
	ck_assert_int_eq(ms_state_load(&th.store, NAME, &s, &err), MS_SYSTEM);
}
END_TEST

START_TEST(remove_state)
{
	struct ms_state s;
	struct ms_error err = { 0 };

	full_state(&s, 5);
	save(&s);
	ck_assert_int_eq(ms_state_remove(&th.store, NAME, &err), MS_OK);
	load(&s);
	ck_assert_uint_eq(s.seq, 0);
	ck_assert_int_eq(s.totp_used_until, 0);
	ck_assert_int_eq(ms_state_remove(&th.store, NAME, &err), MS_NOT_FOUND);
}
END_TEST

START_TEST(locked)
{
	struct ms_state s;

	memset(&s, 0, sizeof(s));
	ck_assert(!ms_state_locked(&s, 0));
	ck_assert(!ms_state_locked(&s, 1700000000));
	s.locked_until = 1700000900;
	ck_assert(ms_state_locked(&s, 1700000000));
	ck_assert(ms_state_locked(&s, 1700000899));
	ck_assert(!ms_state_locked(&s, 1700000900));
	ck_assert(!ms_state_locked(&s, 1700000901));
}
END_TEST

START_TEST(recovery_left)
{
	struct ms_record record;
	struct ms_state s;

	memset(&record, 0, sizeof(record));
	memset(&s, 0, sizeof(s));
	for (unsigned i = 0; i < 4; i++)
		snprintf(record.totp.recovery[i], MS_HASH_MAX, "$5$x$%u", i);
	record.totp.n_recovery = 4;
	/* No marks yet. */
	ck_assert_uint_eq(ms_state_recovery_left(&s, &record), 4);
	/* Codes 0 and 2 used, in this set. */
	s.recovery_tag = ms_recovery_set_tag(&record);
	s.recovery_used = 0x5;
	ck_assert_uint_eq(ms_state_recovery_left(&s, &record), 2);
	/* Marks of another set mean nothing for this one. */
	s.recovery_tag ^= 1;
	ck_assert_uint_eq(ms_state_recovery_left(&s, &record), 4);
	record.totp.n_recovery = 0;
	ck_assert_uint_eq(ms_state_recovery_left(&s, &record), 0);
}
END_TEST

Suite *state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *file = th_tcase_store("file");
	TCase *logic = ts_tcase("logic");

	tcase_add_test(file, missing_file_is_fresh_state);
	ts_add_files_test(file, round_trip_every_field);
	ts_add_files_test(file, seq_increments);
	ts_add_files_test(file, torn_newest_slot_falls_back_to_older);
	ts_add_files_test(file, one_flipped_byte_is_caught);
	ts_add_files_test(file, corrupt_older_slot_keeps_newest);
	ts_add_files_test(file, both_slots_corrupt_is_an_error);
	ts_add_files_test(file, file_ending_inside_slot_1);
	ts_add_files_test(file, empty_file_is_fresh_state);
	ts_add_files_test(file, torn_first_write_is_fresh_state);
	ts_add_files_test(file, older_versions_still_load);
	ts_add_files_test(file, unknown_version_fails_closed);
	ts_add_files_test(file, file_is_0600_whatever_the_umask);
	ts_add_files_test(file, unsafe_file_is_refused);
	ts_add_files_test(file, remove_state);
	suite_add_tcase(s, file);

	tcase_add_test(logic, locked);
	tcase_add_test(logic, recovery_left);
	suite_add_tcase(s, logic);
	return s;
}
