/* The runtime-state reader and writer on arbitrary state files. Each input
 * becomes the mailbox's state file in a private store (fuzz_store.h);
 * ms_state_load reads it, then ms_state_edit reads it again and writes
 * back what it read with one field changed.
 *
 * Nothing here knows the slot layout: what a valid slot looks like comes
 * only from the seeds, which the library writes (tests/fuzz/make-seeds). */
#include "config.h"

#include "fuzz.h"
#include "fuzz_store.h"
#include "state.h"

#define NAME "alice@example.com"

struct edit_seen {
	bool called;
	struct ms_state before; /* what the edit was given */
	struct ms_state after;  /* what it handed back to be written */
};

static bool change_a_field(struct ms_state *state, void *arg)
{
	struct edit_seen *seen = arg;

	/* memcpy, not assignment: the compares below include padding,
	 * which the library zeroes and an assignment need not copy. */
	seen->called = true;
	memcpy(&seen->before, state, sizeof(*state));
	state->fail_count ^= 1;
	memcpy(&seen->after, state, sizeof(*state));
	return true;
}

/* The edit saw what the load read, and a load now reads what it wrote. */
static void check_written(const struct ms_state *loaded,
			  const struct edit_seen *seen)
{
	static struct ms_state expected, reread;
	struct ms_error err = { 0 };

	memcpy(&expected, &seen->after, sizeof(expected));
	FUZZ_CHECK(memcmp(&seen->before, loaded, sizeof(*loaded)) == 0);
	FUZZ_CHECK(ms_state_load(&fuzz_store, NAME, &reread, &err) == MS_OK);
	expected.seq = loaded->seq + 1;
	FUZZ_CHECK(memcmp(&reread, &expected, sizeof(reread)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ms_state loaded;
	static struct edit_seen seen;
	struct ms_error err = { 0 };
	enum ms_status loaded_status, edit_status;

	fuzz_store_open(NAME);
	fuzz_state_put(data, size);
	loaded_status = ms_state_load(&fuzz_store, NAME, &loaded, &err);
	if (size > MS_FILE_MAX)
		FUZZ_CHECK(loaded_status == MS_SYSTEM);
	else
		FUZZ_CHECK(loaded_status == MS_OK ||
			   loaded_status == MS_INVALID);
	if (loaded_status == MS_INVALID)
		FUZZ_CHECK(strstr(err.msg, NAME ".state") != NULL);
	/* A file made but never written is a fresh state. */
	if (size == 0)
		FUZZ_CHECK(loaded_status == MS_OK && loaded.seq == 0);

	memset(&seen, 0, sizeof(seen));
	edit_status = ms_state_edit(&fuzz_store, NAME, change_a_field, &seen,
				    &err);
	FUZZ_CHECK(edit_status == loaded_status);
	FUZZ_CHECK(seen.called == (loaded_status == MS_OK));
	if (loaded_status == MS_OK)
		check_written(&loaded, &seen);
	else
		/* Failing closed: what cannot be read is never overwritten. */
		FUZZ_CHECK(fuzz_state_is(data, size));
	return 0;
}
