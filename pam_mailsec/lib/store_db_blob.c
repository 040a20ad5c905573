#include "config.h"

#include <string.h>

#include "db_driver.h"
#include "secure.h"
#include "store_db_blob.h"

/* The largest blob: the journal's image. */
#define BLOB_MAX MS_JOURNAL_BYTES
_Static_assert(MS_STATE_SLOT <= BLOB_MAX && MS_APP_STATE_SLOT <= BLOB_MAX,
	       "every blob fits the journal's buffer");

static const char *const blob_what[MS_DB_BLOBS] = {
	[MS_DB_STATE] = "state",
	[MS_DB_APPS] = "app state",
	[MS_DB_JOURNAL] = "journal",
};

static const size_t blob_size[MS_DB_BLOBS] = {
	[MS_DB_STATE] = MS_STATE_SLOT,
	[MS_DB_APPS] = MS_APP_STATE_SLOT,
	[MS_DB_JOURNAL] = MS_JOURNAL_BYTES,
};

static enum ms_status damaged(const char *name, enum ms_db_blob which,
			      struct ms_error *err)
{
	return ms_fail(err, MS_INVALID, "postgresql:%s: damaged %s", name,
		       blob_what[which]);
}

static enum ms_status no_mailbox(const char *name, struct ms_error *err)
{
	return ms_fail(err, MS_NOT_FOUND, "%s: no such mailbox", name);
}

/* Blob `which` of `name` into `out` (BLOB_MAX bytes, zero past *len; *len
 * 0 when never written) and the sequence number it has. MS_NOT_FOUND:
 * no row. */
static enum ms_status blob_read(const struct ms_store *store, const char *name,
				enum ms_db_blob which,
				unsigned char out[BLOB_MAX], size_t *len,
				int64_t *seq, struct ms_error *err)
{
	struct ms_db_row row;
	enum ms_status status;

	memset(&row, 0, sizeof(row));
	memset(out, 0, BLOB_MAX);
	*len = 0;
	*seq = 0;
	status = store->db_driver->load(store->db, name, MS_DB_WANT_BLOB(which),
					&row, err);
	if (status != MS_OK)
		return status;
	*seq = row.blob_seq[which];
	if (row.blob[which] && row.blob_len[which] > blob_size[which]) {
		status = damaged(name, which, err);
	} else if (row.blob[which]) {
		memcpy(out, row.blob[which], row.blob_len[which]);
		*len = row.blob_len[which];
	}
	store->db_driver->row_free(&row);
	return status;
}

enum pass_outcome { PASS_WRITE, PASS_KEEP, PASS_DAMAGED };

/* One judgement of a blob as read (*len bytes, 0: never written): changes
 * it in place, *len its new length. */
typedef enum pass_outcome blob_pass_fn(unsigned char blob[BLOB_MAX],
				       size_t *len, void *arg);

/* The read-change-write that stands in for the mailbox lock: a write
 * names the sequence number its pass read, and when another writer came
 * first the pass runs again on what that writer left, so that every
 * decision is made on the blob it changes (one code accepted once across
 * hosts). No row: MS_NOT_FOUND, nothing written. */
static enum ms_status blob_edit(const struct ms_store *store, const char *name,
				enum ms_db_blob which, blob_pass_fn *pass,
				void *arg, struct ms_error *err)
{
	unsigned char blob[BLOB_MAX];
	size_t len;
	int64_t seq;
	enum ms_status status;

	for (unsigned conflicts = 0;; conflicts++) {
		if (conflicts == MS_DB_CONFLICTS_MAX) {
			status = ms_fail(err, MS_SYSTEM, "%s: %s kept changing",
					 name, blob_what[which]);
			break;
		}
		ms_error_clear(err);
		status = blob_read(store, name, which, blob, &len, &seq, err);
		if (status != MS_OK)
			break;
		switch (pass(blob, &len, arg)) {
		case PASS_KEEP:
			goto done;
		case PASS_DAMAGED:
			status = damaged(name, which, err);
			goto done;
		case PASS_WRITE:
			break;
		}
		status = store->db_driver->save_blob(store->db, name, which,
						     seq, blob, len, err);
		if (status != MS_DB_CONFLICT)
			break;
	}
done:
	ms_wipe(blob, sizeof(blob));
	return status == MS_NOT_FOUND ? no_mailbox(name, err) : status;
}

/* Writes blob `which` whatever it holds now: under the mailbox lock. */
static enum ms_status blob_write(const struct ms_store *store, const char *name,
				 enum ms_db_blob which,
				 const unsigned char *data, size_t len,
				 struct ms_error *err)
{
	return store->db_driver->save_blob(store->db, name, which, -1, data,
					   len, err);
}

/* --- runtime state ------------------------------------------------------ */

static bool state_decode(const unsigned char *blob, size_t len,
			 struct ms_state *state)
{
	memset(state, 0, sizeof(*state));
	return len == 0 || (len == MS_STATE_SLOT && ms_state_decode(blob, state));
}

enum ms_status ms_db_state_load(const struct ms_store *store, const char *name,
				struct ms_state *state, struct ms_error *err)
{
	unsigned char blob[BLOB_MAX];
	size_t len;
	int64_t seq;
	enum ms_status status = blob_read(store, name, MS_DB_STATE, blob, &len,
					  &seq, err);

	memset(state, 0, sizeof(*state));
	/* As a missing file: a fresh state. */
	if (status == MS_NOT_FOUND) {
		ms_error_clear(err);
		status = MS_OK;
	} else if (status == MS_OK && !state_decode(blob, len, state)) {
		status = damaged(name, MS_DB_STATE, err);
	}
	ms_wipe(blob, sizeof(blob));
	return status;
}

enum ms_status ms_db_state_save(const struct ms_store *store, const char *name,
				struct ms_state *state, struct ms_error *err)
{
	unsigned char blob[MS_STATE_SLOT];
	enum ms_status status;

	ms_state_encode(state, state->seq + 1, blob);
	status = blob_write(store, name, MS_DB_STATE, blob, sizeof(blob), err);
	ms_wipe(blob, sizeof(blob));
	if (status == MS_NOT_FOUND)
		return no_mailbox(name, err);
	if (status == MS_OK)
		state->seq++;
	return status;
}

struct state_pass {
	ms_state_edit_fn *edit;
	void *arg;
	struct ms_state state;
};

static enum pass_outcome state_pass(unsigned char blob[BLOB_MAX], size_t *len,
				    void *arg)
{
	struct state_pass *pass = arg;

	if (!state_decode(blob, *len, &pass->state))
		return PASS_DAMAGED;
	if (!pass->edit(&pass->state, pass->arg))
		return PASS_KEEP;
	ms_state_encode(&pass->state, pass->state.seq + 1, blob);
	*len = MS_STATE_SLOT;
	return PASS_WRITE;
}

enum ms_status ms_db_state_edit(const struct ms_store *store, const char *name,
				ms_state_edit_fn *edit, void *arg,
				struct ms_error *err)
{
	struct state_pass pass = { edit, arg, { 0 } };
	enum ms_status status = blob_edit(store, name, MS_DB_STATE, state_pass,
					  &pass, err);

	ms_wipe(&pass.state, sizeof(pass.state));
	return status;
}

enum ms_status ms_db_state_remove(const struct ms_store *store,
				  const char *name, struct ms_error *err)
{
	enum ms_status status = blob_write(store, name, MS_DB_STATE, NULL, 0,
					   err);

	return status == MS_NOT_FOUND ? no_mailbox(name, err) : status;
}

/* --- app-password uses ---------------------------------------------------- */

static bool apps_decode(const unsigned char *blob, size_t len,
			struct ms_app_state *state)
{
	memset(state, 0, sizeof(*state));
	return len == 0 ||
	       (len == MS_APP_STATE_SLOT && ms_app_state_decode(blob, state));
}

enum ms_status ms_db_app_state_load(const struct ms_store *store,
				    const char *name,
				    struct ms_app_state *state,
				    struct ms_error *err)
{
	unsigned char blob[BLOB_MAX];
	size_t len;
	int64_t seq;
	enum ms_status status = blob_read(store, name, MS_DB_APPS, blob, &len,
					  &seq, err);

	memset(state, 0, sizeof(*state));
	if (status == MS_NOT_FOUND) {
		ms_error_clear(err);
		status = MS_OK;
	} else if (status == MS_OK && !apps_decode(blob, len, state)) {
		status = damaged(name, MS_DB_APPS, err);
	}
	return status;
}

struct apps_pass {
	ms_app_state_edit_fn *edit;
	void *arg;
	struct ms_app_state state;
};

static enum pass_outcome apps_pass(unsigned char blob[BLOB_MAX], size_t *len,
				   void *arg)
{
	struct apps_pass *pass = arg;

	if (!apps_decode(blob, *len, &pass->state))
		return PASS_DAMAGED;
	if (!pass->edit(&pass->state, pass->arg))
		return PASS_KEEP;
	ms_app_state_encode(&pass->state, pass->state.seq + 1, blob);
	*len = MS_APP_STATE_SLOT;
	return PASS_WRITE;
}

/* No row: a login decided after its mailbox's removal notes nothing. */
enum ms_status ms_db_app_state_edit(const struct ms_store *store,
				    const char *name,
				    ms_app_state_edit_fn *edit, void *arg,
				    struct ms_error *err)
{
	struct apps_pass pass = { edit, arg, { 0 } };
	enum ms_status status = blob_edit(store, name, MS_DB_APPS, apps_pass,
					  &pass, err);

	if (status == MS_NOT_FOUND) {
		ms_error_clear(err);
		status = MS_OK;
	}
	return status;
}

enum ms_status ms_db_app_state_remove(const struct ms_store *store,
				      const char *name, struct ms_error *err)
{
	enum ms_status status = blob_write(store, name, MS_DB_APPS, NULL, 0,
					   err);

	return status == MS_NOT_FOUND ? no_mailbox(name, err) : status;
}

/* --- the activity journal -------------------------------------------------- */

enum ms_status ms_db_journal_read(const struct ms_store *store,
				  const char *name,
				  unsigned char image[MS_JOURNAL_BYTES],
				  size_t *len, struct ms_error *err)
{
	int64_t seq;
	enum ms_status status = blob_read(store, name, MS_DB_JOURNAL, image,
					  len, &seq, err);

	/* As a missing file: an empty journal. */
	if (status == MS_NOT_FOUND) {
		ms_error_clear(err);
		status = MS_OK;
	}
	return status;
}

struct journal_pass {
	ms_journal_edit_fn *edit;
	void *arg;
};

static enum pass_outcome journal_pass(unsigned char blob[BLOB_MAX],
				      size_t *len, void *arg)
{
	struct journal_pass *pass = arg;

	return pass->edit(blob, len, pass->arg) ? PASS_WRITE : PASS_KEEP;
}

enum ms_status ms_db_journal_edit(const struct ms_store *store,
				  const char *name, ms_journal_edit_fn *edit,
				  void *arg, struct ms_error *err)
{
	struct journal_pass pass = { edit, arg };
	enum ms_status status = blob_edit(store, name, MS_DB_JOURNAL,
					  journal_pass, &pass, err);

	if (status == MS_NOT_FOUND) {
		ms_error_clear(err);
		status = MS_OK;
	}
	return status;
}

enum ms_status ms_db_journal_remove(const struct ms_store *store,
				    const char *name, struct ms_error *err)
{
	enum ms_status status = blob_write(store, name, MS_DB_JOURNAL, NULL, 0,
					   err);

	if (status == MS_NOT_FOUND) {
		ms_error_clear(err);
		status = MS_OK;
	}
	return status;
}
