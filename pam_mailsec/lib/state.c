#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "name.h"
#include "recovery.h"
#include "secure.h"
#include "slots.h"
#include "store_files.h"
#include "state.h"

/* Slot layout, native byte order (the file never leaves the host):
 * magic[4] version u32 seq u64 mark u64 fail_since i64 fail_count u32
 * locked_until i64 recovery_tag u64 recovery_used u32, MS_STATE_SESSIONS x
 * (tag[32] created i64 last_used i64), cache (tag[32] verified i64),
 * totp_tag u64, recovery_last u64, zero padding (none is left in
 * version 4: a field more needs a larger slot), and a 16-byte BLAKE2b
 * checksum of everything before it. `mark` is totp_used_until when
 * totp_tag is set, and else legacy_step.
 *
 * Each version only appends fields in what was zero padding before, so an
 * older slot reads as a newer one whose new fields are empty: version 2
 * (before the cache) keeps its lockouts, used recovery codes and sessions
 * across an upgrade, and versions 2 and 3 (before totp_tag) kept a bare
 * step in `mark`, which reads as legacy_step. A version this code does not
 * know fails closed. */
#define SLOT_SIZE MS_STATE_SLOT
#define CHECKSUM_SIZE 16
#define STATE_MAGIC "MSST"
#define STATE_VERSION 4u
#define STATE_VERSION_OLDEST 2u
#define FIELDS_SIZE (4 + 4 + 8 + 8 + 8 + 4 + 8 + 8 + 4 + 8 + 8)
#define SESSION_SIZE (MS_SESSION_TAG_BYTES + 8 + 8)
#define CACHE_SIZE (MS_CACHE_TAG_BYTES + 8)
_Static_assert(FIELDS_SIZE + MS_STATE_SESSIONS * SESSION_SIZE + CACHE_SIZE +
			       CHECKSUM_SIZE <= SLOT_SIZE,
	       "state slot too small");

struct cursor {
	unsigned char *at;
};

static void put(struct cursor *c, const void *value, size_t size)
{
	memcpy(c->at, value, size);
	c->at += size;
}

static void get(struct cursor *c, void *value, size_t size)
{
	memcpy(value, c->at, size);
	c->at += size;
}

static void checksum(const unsigned char *slot, unsigned char out[CHECKSUM_SIZE])
{
	crypto_generichash(out, CHECKSUM_SIZE, slot, SLOT_SIZE - CHECKSUM_SIZE,
			   NULL, 0);
}

static void slot_encode(const struct ms_state *state, uint64_t seq,
			unsigned char slot[SLOT_SIZE])
{
	struct cursor c = { slot };
	uint32_t version = STATE_VERSION;

	memset(slot, 0, SLOT_SIZE);
	put(&c, STATE_MAGIC, 4);
	put(&c, &version, sizeof(version));
	put(&c, &seq, sizeof(seq));
	put(&c, state->totp_tag ? (const void *)&state->totp_used_until
				: (const void *)&state->legacy_step,
	    sizeof(uint64_t));
	put(&c, &state->fail_since, sizeof(state->fail_since));
	put(&c, &state->fail_count, sizeof(state->fail_count));
	put(&c, &state->locked_until, sizeof(state->locked_until));
	put(&c, &state->recovery_tag, sizeof(state->recovery_tag));
	put(&c, &state->recovery_used, sizeof(state->recovery_used));
	for (unsigned i = 0; i < MS_STATE_SESSIONS; i++) {
		put(&c, state->sessions[i].tag, MS_SESSION_TAG_BYTES);
		put(&c, &state->sessions[i].created, sizeof(int64_t));
		put(&c, &state->sessions[i].last_used, sizeof(int64_t));
	}
	put(&c, state->cache.tag, MS_CACHE_TAG_BYTES);
	put(&c, &state->cache.verified, sizeof(int64_t));
	put(&c, &state->totp_tag, sizeof(state->totp_tag));
	put(&c, &state->recovery_last, sizeof(state->recovery_last));
	checksum(slot, slot + SLOT_SIZE - CHECKSUM_SIZE);
}

/* Every version so far starts magic[4] version u32 seq u64. */
static enum ms_slot_kind slot_check(const unsigned char *slot,
				    uint32_t *version, uint64_t *seq)
{
	unsigned char sum[CHECKSUM_SIZE];

	checksum(slot, sum);
	if (memcmp(slot, STATE_MAGIC, 4) != 0 ||
	    memcmp(sum, slot + SLOT_SIZE - CHECKSUM_SIZE, CHECKSUM_SIZE) != 0)
		return MS_SLOT_TORN;
	memcpy(version, slot + 4, sizeof(*version));
	memcpy(seq, slot + 8, sizeof(*seq));
	if (*version < STATE_VERSION_OLDEST || *version > STATE_VERSION)
		return MS_SLOT_UNKNOWN_VERSION;
	return MS_SLOT_VALID;
}

/* A slot that slot_check found valid. */
static void slot_decode(unsigned char slot[SLOT_SIZE], struct ms_state *state)
{
	struct cursor c = { slot + 8 };
	uint64_t mark;

	get(&c, &state->seq, sizeof(state->seq));
	get(&c, &mark, sizeof(mark));
	get(&c, &state->fail_since, sizeof(state->fail_since));
	get(&c, &state->fail_count, sizeof(state->fail_count));
	get(&c, &state->locked_until, sizeof(state->locked_until));
	get(&c, &state->recovery_tag, sizeof(state->recovery_tag));
	get(&c, &state->recovery_used, sizeof(state->recovery_used));
	for (unsigned i = 0; i < MS_STATE_SESSIONS; i++) {
		get(&c, state->sessions[i].tag, MS_SESSION_TAG_BYTES);
		get(&c, &state->sessions[i].created, sizeof(int64_t));
		get(&c, &state->sessions[i].last_used, sizeof(int64_t));
	}
	/* Zero padding in a version 2 slot: an empty entry. */
	get(&c, state->cache.tag, MS_CACHE_TAG_BYTES);
	get(&c, &state->cache.verified, sizeof(int64_t));
	get(&c, &state->totp_tag, sizeof(state->totp_tag));
	get(&c, &state->recovery_last, sizeof(state->recovery_last));
	if (state->totp_tag)
		state->totp_used_until = (int64_t)mark;
	else
		state->legacy_step = mark;
}

void ms_state_encode(const struct ms_state *state, uint64_t seq,
		     unsigned char out[MS_STATE_SLOT])
{
	slot_encode(state, seq, out);
}

bool ms_state_decode(const unsigned char slot[MS_STATE_SLOT],
		     struct ms_state *state)
{
	unsigned char copy[SLOT_SIZE];
	uint32_t version;
	uint64_t seq;
	bool valid = slot_check(slot, &version, &seq) == MS_SLOT_VALID;

	memset(state, 0, sizeof(*state));
	if (valid) {
		memcpy(copy, slot, SLOT_SIZE);
		slot_decode(copy, state);
		ms_wipe(copy, sizeof(copy));
	}
	return valid;
}

static void state_file(const char *name, char *file, size_t size)
{
	ms_file_name(name, "state", file, size);
}

static enum ms_status read_slots(int fd, const char *shown,
				 unsigned char slots[2][SLOT_SIZE],
				 struct ms_state *state, struct ms_error *err)
{
	int newest;
	enum ms_status status = ms_slots_read(fd, shown, "state", SLOT_SIZE,
					      (unsigned char *)slots,
					      slot_check, &newest, err);

	if (status == MS_OK && newest >= 0)
		slot_decode(slots[newest], state);
	return status;
}

enum ms_status ms_files_state_load(const struct ms_store *store,
				   const char *name, struct ms_state *state,
				   struct ms_error *err)
{
	const char *dir = store->settings->state_dir;
	char file[MS_FILE_NAME_MAX], shown[MS_SHOWN_MAX];
	unsigned char slots[2][SLOT_SIZE];
	enum ms_status status;
	int fd = -1;

	memset(state, 0, sizeof(*state));
	state_file(name, file, sizeof(file));
	ms_path_shown(shown, dir, file);
	status = ms_file_open(store->state_fd, dir, file, &fd, err);
	if (status == MS_NOT_FOUND) {
		ms_error_clear(err);
		return MS_OK;
	}
	if (status != MS_OK)
		return status;
	status = read_slots(fd, shown, slots, state, err);
	close(fd);
	/* Cache entries are keyed digests of passwords. */
	ms_wipe(slots, sizeof(slots));
	return status;
}

/* Opens NAME.state read-write, made 0600 if missing; its path for
 * messages into `shown`. */
static enum ms_status open_for_write(const struct ms_store *store,
				     const char *name,
				     char shown[MS_SHOWN_MAX], int *fd_out,
				     struct ms_error *err)
{
	char file[MS_FILE_NAME_MAX];

	state_file(name, file, sizeof(file));
	return ms_slots_open_rw(store, file, shown, fd_out, err);
}

/* Writes `state` as the next slot (seq + 1) of the open state file. */
static enum ms_status write_slot(int fd, const char *shown,
				 struct ms_state *state, struct ms_error *err)
{
	unsigned char slot[SLOT_SIZE];
	uint64_t seq = state->seq + 1;
	enum ms_status status;

	slot_encode(state, seq, slot);
	/* No fsync (it would cost ~0.3 ms a login): state is runtime only,
	 * and what a power cut can lose is the last few seconds of writes.
	 * A lost replay mark is harmless: the codes it guards expired long
	 * before the host is back. A lost failure count or lock gives back
	 * guesses nobody can force a power cut to get; a lost recovery-code
	 * mark lets a code its owner typed seconds before work once more; a
	 * lost session or cache entry costs one code or one slow hash.
	 * Records, which hold what an admin decided, keep full fsync
	 * durability (store.h). */
	status = ms_slots_write(fd, shown, slot, SLOT_SIZE, seq, err);
	ms_wipe(slot, sizeof(slot));
	if (status != MS_OK)
		return status;
	state->seq = seq;
	return MS_OK;
}

/* Closes the state file whatever happened; the first failure is the
 * one told. */
static enum ms_status close_written(int fd, const char *shown,
				    enum ms_status status, struct ms_error *err)
{
	if (close(fd) != 0 && status == MS_OK)
		return ms_fail_errno(err, MS_SYSTEM, errno, "close %s", shown);
	return status;
}

enum ms_status ms_files_state_save(const struct ms_store *store,
				   const char *name, struct ms_state *state,
				   struct ms_error *err)
{
	char shown[MS_SHOWN_MAX];
	enum ms_status status;
	int fd = -1;

	status = open_for_write(store, name, shown, &fd, err);
	if (status != MS_OK)
		return status;
	status = write_slot(fd, shown, state, err);
	return close_written(fd, shown, status, err);
}

/* The read-check-write of a login on one descriptor: the state file is
 * opened once (made if missing), read, and written in place. */
static enum ms_status edit_open_file(const struct ms_store *store,
				     const char *name, ms_state_edit_fn *edit,
				     void *arg, struct ms_state *state,
				     struct ms_error *err)
{
	char shown[MS_SHOWN_MAX];
	unsigned char slots[2][SLOT_SIZE];
	enum ms_status status;
	int fd = -1;

	status = open_for_write(store, name, shown, &fd, err);
	if (status != MS_OK)
		return status;
	memset(state, 0, sizeof(*state));
	status = read_slots(fd, shown, slots, state, err);
	ms_wipe(slots, sizeof(slots));
	if (status != MS_OK)
		goto done;
	if (edit(state, arg))
		status = write_slot(fd, shown, state, err);
done:
	return close_written(fd, shown, status, err);
}

enum ms_status ms_files_state_edit(const struct ms_store *store,
				   const char *name, ms_state_edit_fn *edit,
				   void *arg, struct ms_error *err)
{
	struct ms_state state;
	enum ms_status status;
	int lock_fd = -1;

	status = ms_files_lock(store, name, false, &lock_fd, err);
	if (status != MS_OK)
		return status;
	status = edit_open_file(store, name, edit, arg, &state, err);
	if (ms_files_unlock(store, lock_fd, err) != MS_OK && status == MS_OK)
		status = err->status;
	ms_wipe(&state, sizeof(state));
	return status;
}

enum ms_status ms_files_state_remove(const struct ms_store *store,
				     const char *name, struct ms_error *err)
{
	char file[MS_FILE_NAME_MAX];

	state_file(name, file, sizeof(file));
	return ms_file_remove(store->state_fd, store->settings->state_dir, file,
			      err);
}

enum ms_status ms_state_load(const struct ms_store *store, const char *name,
			     struct ms_state *state, struct ms_error *err)
{
	return store->ops->state_load(store, name, state, err);
}

enum ms_status ms_state_save(const struct ms_store *store, const char *name,
			     struct ms_state *state, struct ms_error *err)
{
	return store->ops->state_save(store, name, state, err);
}

enum ms_status ms_state_edit(const struct ms_store *store, const char *name,
			     ms_state_edit_fn *edit, void *arg,
			     struct ms_error *err)
{
	return store->ops->state_edit(store, name, edit, arg, err);
}

enum ms_status ms_state_remove(const struct ms_store *store, const char *name,
			       struct ms_error *err)
{
	return store->ops->state_remove(store, name, err);
}

unsigned ms_state_recovery_left(const struct ms_state *state,
				const struct ms_record *record)
{
	unsigned left = 0;
	bool marks_apply = state->recovery_tag == ms_recovery_set_tag(record);

	for (unsigned i = 0; i < record->totp.n_recovery; i++)
		if (!marks_apply || !(state->recovery_used & (1u << i)))
			left++;
	return left;
}

bool ms_state_locked(const struct ms_state *state, time_t now)
{
	return state->locked_until > (int64_t)now;
}
