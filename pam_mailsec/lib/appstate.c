#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "appstate.h"
#include "name.h"
#include "secure.h"
#include "slots.h"
#include "store_files.h"

/* Slot layout, native byte order (the file never leaves the host):
 * magic[4] version u32 seq u64 count u32, `count` (at most MS_APP_MAX)
 * entries (id[8] last_used i64 uses u32 service[32] rhost[46]), zero
 * padding, and at the slot's end a 16-byte BLAKE2b checksum of the header
 * and the entries: only what is used is hashed, a few microseconds less
 * a login than the whole slot. A version this code does not know fails
 * closed, as MAILBOX.state's. */
#define SLOT_SIZE MS_APP_STATE_SLOT
#define CHECKSUM_SIZE 16
#define APPS_MAGIC "MSAP"
#define APPS_VERSION 1u
#define ID_BYTES ((MS_APP_ID_MAX - 1) / 2)
#define ENTRY_SIZE (ID_BYTES + 8 + 4 + MS_APP_USE_SERVICE_MAX + MS_APP_USE_RHOST_MAX)
#define HEADER_SIZE 20
_Static_assert(HEADER_SIZE + MS_APP_MAX * ENTRY_SIZE + CHECKSUM_SIZE <= SLOT_SIZE,
	       "app state slot too small");

/* Over the header and `count` entries; a count past MS_APP_MAX (a torn
 * or foreign slot) hashes the most a slot can hold, and fails the check. */
static void checksum(const unsigned char *slot, uint32_t count,
		     unsigned char out[CHECKSUM_SIZE])
{
	size_t len = HEADER_SIZE +
		     (count > MS_APP_MAX ? MS_APP_MAX : count) * ENTRY_SIZE;

	crypto_generichash(out, CHECKSUM_SIZE, slot, len, NULL, 0);
}

static void encode(const struct ms_app_state *state, uint64_t seq,
		   unsigned char slot[SLOT_SIZE])
{
	unsigned char *at = slot + HEADER_SIZE;
	uint32_t version = APPS_VERSION, count = 0;

	memset(slot, 0, SLOT_SIZE);
	memcpy(slot, APPS_MAGIC, 4);
	memcpy(slot + 4, &version, 4);
	memcpy(slot + 8, &seq, 8);
	for (unsigned i = 0; i < MS_APP_MAX; i++) {
		const struct ms_app_use *use = &state->uses[i];

		if (!use->uses)
			continue;
		count++;
		sodium_hex2bin(at, ID_BYTES, use->id, 2 * ID_BYTES, NULL, NULL,
			       NULL);
		memcpy(at + ID_BYTES, &use->last_used, 8);
		memcpy(at + ID_BYTES + 8, &use->uses, 4);
		memcpy(at + ID_BYTES + 12, use->service, MS_APP_USE_SERVICE_MAX);
		memcpy(at + ID_BYTES + 12 + MS_APP_USE_SERVICE_MAX, use->rhost,
		       MS_APP_USE_RHOST_MAX);
		at += ENTRY_SIZE;
	}
	memcpy(slot + 16, &count, 4);
	checksum(slot, count, slot + SLOT_SIZE - CHECKSUM_SIZE);
}

static void decode(const unsigned char slot[SLOT_SIZE],
		   struct ms_app_state *state)
{
	const unsigned char *at = slot + HEADER_SIZE;
	uint32_t count;

	memcpy(&state->seq, slot + 8, 8);
	memcpy(&count, slot + 16, 4);
	for (unsigned i = 0; i < count; i++, at += ENTRY_SIZE) {
		struct ms_app_use *use = &state->uses[i];

		memcpy(&use->uses, at + ID_BYTES + 8, 4);
		if (!use->uses)
			continue;
		sodium_bin2hex(use->id, sizeof(use->id), at, ID_BYTES);
		memcpy(&use->last_used, at + ID_BYTES, 8);
		memcpy(use->service, at + ID_BYTES + 12, MS_APP_USE_SERVICE_MAX);
		memcpy(use->rhost, at + ID_BYTES + 12 + MS_APP_USE_SERVICE_MAX,
		       MS_APP_USE_RHOST_MAX);
		use->service[MS_APP_USE_SERVICE_MAX - 1] = '\0';
		use->rhost[MS_APP_USE_RHOST_MAX - 1] = '\0';
	}
}

static enum ms_slot_kind slot_check(const unsigned char *slot,
				    uint32_t *version, uint64_t *seq)
{
	unsigned char sum[CHECKSUM_SIZE];
	uint32_t count;

	memcpy(&count, slot + 16, 4);
	checksum(slot, count, sum);
	if (memcmp(slot, APPS_MAGIC, 4) != 0 ||
	    memcmp(sum, slot + SLOT_SIZE - CHECKSUM_SIZE, CHECKSUM_SIZE) != 0)
		return MS_SLOT_TORN;
	memcpy(version, slot + 4, 4);
	memcpy(seq, slot + 8, 8);
	if (*version != APPS_VERSION)
		return MS_SLOT_UNKNOWN_VERSION;
	return count <= MS_APP_MAX ? MS_SLOT_VALID : MS_SLOT_TORN;
}

void ms_app_state_encode(const struct ms_app_state *state, uint64_t seq,
			 unsigned char out[MS_APP_STATE_SLOT])
{
	encode(state, seq, out);
}

bool ms_app_state_decode(const unsigned char slot[MS_APP_STATE_SLOT],
			 struct ms_app_state *state)
{
	uint32_t version;
	uint64_t seq;
	bool valid = slot_check(slot, &version, &seq) == MS_SLOT_VALID;

	memset(state, 0, sizeof(*state));
	if (valid)
		decode(slot, state);
	return valid;
}

static enum ms_status read_slots(int fd, const char *shown,
				 struct ms_app_state *state,
				 struct ms_error *err)
{
	unsigned char slots[2][SLOT_SIZE];
	int newest;
	enum ms_status status = ms_slots_read(fd, shown, "app state",
					      SLOT_SIZE,
					      (unsigned char *)slots,
					      slot_check, &newest, err);

	memset(state, 0, sizeof(*state));
	if (status == MS_OK && newest >= 0)
		decode(slots[newest], state);
	ms_wipe(slots, sizeof(slots));
	return status;
}

static void apps_file(const char *name, char *file, size_t size,
		      const struct ms_store *store, char shown[MS_SHOWN_MAX])
{
	ms_file_name(name, "apps", file, size);
	ms_path_shown(shown, store->settings->state_dir, file);
}

enum ms_status ms_files_app_state_load(const struct ms_store *store,
				       const char *name,
				       struct ms_app_state *state,
				       struct ms_error *err)
{
	char file[MS_FILE_NAME_MAX], shown[MS_SHOWN_MAX];
	enum ms_status status;
	int fd = -1;

	memset(state, 0, sizeof(*state));
	apps_file(name, file, sizeof(file), store, shown);
	status = ms_file_open(store->state_fd, store->settings->state_dir, file,
			      &fd, err);
	if (status == MS_NOT_FOUND) {
		ms_error_clear(err);
		return MS_OK;
	}
	if (status != MS_OK)
		return status;
	status = read_slots(fd, shown, state, err);
	close(fd);
	return status;
}

const struct ms_app_use *ms_app_state_find(const struct ms_app_state *state,
					   const char *id)
{
	for (unsigned i = 0; i < MS_APP_MAX; i++)
		if (state->uses[i].uses && strcmp(state->uses[i].id, id) == 0)
			return &state->uses[i];
	return NULL;
}

/* Whether an entry before uses[at] holds the same id. */
static bool seen_before(const struct ms_app_state *state, unsigned at)
{
	for (unsigned i = 0; i < at; i++)
		if (state->uses[i].uses &&
		    strcmp(state->uses[i].id, state->uses[at].id) == 0)
			return true;
	return false;
}

/* Keeps only the first entry of each id the record holds; then the entry
 * of `id`, made in a free place when it has none (there is one: at most
 * MS_APP_MAX distinct ids are kept, and `id` is one of the record's). A
 * slot holding copies of one id passes its checksum when written so. */
static struct ms_app_use *entry_for(struct ms_app_state *state,
				    const struct ms_record *record,
				    const char *id)
{
	struct ms_app_use *found = NULL, *free_one = NULL;

	for (unsigned i = 0; i < MS_APP_MAX; i++) {
		struct ms_app_use *use = &state->uses[i];
		bool kept = false;

		for (unsigned j = 0; use->uses && j < record->n_apps; j++)
			kept |= strcmp(record->apps[j].id, use->id) == 0;
		kept = kept && !seen_before(state, i);
		if (!kept)
			memset(use, 0, sizeof(*use));
		if (kept && strcmp(use->id, id) == 0)
			found = use;
		if (!use->uses && !free_one)
			free_one = use;
	}
	if (!found && free_one)
		strcpy(free_one->id, id);
	return found ? found : free_one;
}

static void copy_cut(char *out, size_t size, const char *text)
{
	snprintf(out, size, "%s", text && text[0] ? text : "-");
}

/* What one login with an app password changes. */
struct app_use_note {
	const struct ms_record *record;
	int which;
	time_t now;
	const char *service, *rhost;
};

static bool note_use(struct ms_app_state *state, void *arg)
{
	const struct app_use_note *note = arg;
	struct ms_app_use *use = entry_for(state, note->record,
					   note->record->apps[note->which].id);

	use->last_used = (int64_t)note->now;
	use->uses++;
	copy_cut(use->service, sizeof(use->service), note->service);
	copy_cut(use->rhost, sizeof(use->rhost), note->rhost);
	return true;
}

enum ms_status ms_app_state_note(const struct ms_store *store,
				 const char *name,
				 const struct ms_record *record, int which,
				 time_t now, const char *service,
				 const char *rhost, struct ms_error *err)
{
	struct app_use_note note = { record, which, now, service, rhost };

	if (which < 0 || (unsigned)which >= record->n_apps)
		return ms_fail(err, MS_SYSTEM, "no such app password entry");
	return store->ops->app_state_edit(store, name, note_use, &note, err);
}

/* No fsync, as MAILBOX.state: a power cut can lose the last few seconds
 * of last-use times, which decide nothing. */
static enum ms_status edit_open(int fd, const char *shown,
				ms_app_state_edit_fn *edit, void *arg,
				struct ms_error *err)
{
	struct ms_app_state state;
	unsigned char slot[SLOT_SIZE];
	enum ms_status status = read_slots(fd, shown, &state, err);

	if (status != MS_OK || !edit(&state, arg))
		return status;
	encode(&state, state.seq + 1, slot);
	return ms_slots_write(fd, shown, slot, SLOT_SIZE, state.seq + 1, err);
}

/* The file is made only while the mailbox's record exists: a login
 * decided after its removal writes nothing. */
static enum ms_status edit_file(const struct ms_store *store,
				const char *name, ms_app_state_edit_fn *edit,
				void *arg, struct ms_error *err)
{
	char file[MS_FILE_NAME_MAX], shown[MS_SHOWN_MAX];
	enum ms_status status;
	int fd = -1;

	ms_file_name(name, "apps", file, sizeof(file));
	status = ms_slots_open_rw_of(store, name, file, shown, &fd, err);
	if (status == MS_NOT_FOUND) {
		ms_error_clear(err);
		return MS_OK;
	}
	if (status != MS_OK)
		return status;
	status = edit_open(fd, shown, edit, arg, err);
	if (close(fd) != 0 && status == MS_OK)
		status = ms_fail_errno(err, MS_SYSTEM, errno, "close %s",
				       shown);
	return status;
}

enum ms_status ms_files_app_state_edit(const struct ms_store *store,
				       const char *name,
				       ms_app_state_edit_fn *edit, void *arg,
				       struct ms_error *err)
{
	enum ms_status status;
	int lock_fd = -1;

	status = ms_files_lock(store, name, false, &lock_fd, err);
	if (status != MS_OK)
		return status;
	status = edit_file(store, name, edit, arg, err);
	if (ms_files_unlock(store, lock_fd, err) != MS_OK && status == MS_OK)
		status = err->status;
	return status;
}

enum ms_status ms_files_app_state_remove(const struct ms_store *store,
					 const char *name,
					 struct ms_error *err)
{
	char file[MS_FILE_NAME_MAX], shown[MS_SHOWN_MAX];

	apps_file(name, file, sizeof(file), store, shown);
	return ms_file_remove(store->state_fd, store->settings->state_dir, file,
			      err);
}

enum ms_status ms_app_state_load(const struct ms_store *store,
				 const char *name, struct ms_app_state *state,
				 struct ms_error *err)
{
	return store->ops->app_state_load(store, name, state, err);
}

enum ms_status ms_app_state_remove(const struct ms_store *store,
				   const char *name, struct ms_error *err)
{
	return store->ops->app_state_remove(store, name, err);
}
