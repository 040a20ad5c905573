/* Writes the seeds of the state, codecheck and journal targets: state
 * files and activity journals as the library writes them, and a few it
 * never would. Built and run by tests/fuzz/make-seeds; run it again when
 * the state or journal format changes.
 *
 *   seeds CORPUS_DIR   (writes the state, codecheck and journal
 *                       directories in it)
 *
 * Only the unknown-version seeds know the slot and entry layouts, as far
 * as every version shares them: magic[4] version u32 first, a 16-byte
 * BLAKE2b of the rest of the slot or entry last. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "codecheck_input.h"
#include "journal.h"
#include "settings.h"
#include "state.h"
#include "store.h"

#define SLOT_SIZE 512
#define FILE_SIZE (2 * SLOT_SIZE)
#define CHECKSUM_SIZE 16

static char dir[] = "/tmp/mailsec-seeds.XXXXXX";
static struct ms_settings settings;
static struct ms_store store;
static char state_path[PATH_MAX + 300];
static char journal_path[PATH_MAX + 300];
static const char *corpus;

static void die(const char *what)
{
	fprintf(stderr, "seeds: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void store_open(void)
{
	struct ms_error err = { 0 };

	if (!mkdtemp(dir))
		die("mkdtemp");
	ms_settings_defaults(&settings);
	snprintf(settings.users_dir, sizeof(settings.users_dir), "%s/u", dir);
	snprintf(settings.state_dir, sizeof(settings.state_dir), "%s/s", dir);
	snprintf(state_path, sizeof(state_path), "%s/%s.state",
		 settings.state_dir, FUZZ_NAME);
	snprintf(journal_path, sizeof(journal_path), "%s/%s.journal",
		 settings.state_dir, FUZZ_NAME);
	if (ms_store_open(&settings, MS_STORE_CREATE, &store, &err) != MS_OK) {
		fprintf(stderr, "seeds: %s\n", err.msg);
		exit(1);
	}
}

/* The state file after saving each of `states` in turn. */
static size_t saved(const struct ms_state *states, unsigned n,
		    unsigned char out[FILE_SIZE])
{
	struct ms_error err = { 0 };
	struct ms_state s;
	ssize_t got;
	int fd;

	unlink(state_path);
	for (unsigned i = 0; i < n; i++) {
		s = states[i];
		s.seq = i;
		if (ms_state_save(&store, FUZZ_NAME, &s, &err) != MS_OK) {
			fprintf(stderr, "seeds: %s\n", err.msg);
			exit(1);
		}
	}
	fd = open(state_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (got = pread(fd, out, FILE_SIZE, 0)) < 0)
		die(state_path);
	close(fd);
	return (size_t)got;
}

static void put(const char *target, const char *name, const void *data,
		size_t size)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", corpus, target, name);
	f = fopen(path, "wb");
	if (!f || (size && fwrite(data, size, 1, f) != 1) || fclose(f) != 0)
		die(path);
}

/* Slot `index` stamped with `version` and a checksum that fits. */
static void restamp(unsigned char file[FILE_SIZE], int index, uint32_t version)
{
	unsigned char *slot = file + index * SLOT_SIZE;

	memcpy(slot + 4, &version, sizeof(version));
	crypto_generichash(slot + SLOT_SIZE - CHECKSUM_SIZE, CHECKSUM_SIZE, slot,
			   SLOT_SIZE - CHECKSUM_SIZE, NULL, 0);
}

static void busy_state(struct ms_state *s, unsigned seed)
{
	memset(s, 0, sizeof(*s));
	/* Odd seeds a mark of this version, even ones the bare step of an
	 * older one (the slot made version 2 below is seed 2's). */
	if (seed % 2) {
		s->totp_tag = 0x1122334455667788u + seed;
		s->totp_used_until = FUZZ_BASE_TIME + 30 * seed;
	} else {
		s->legacy_step = FUZZ_BASE_TIME / 30 + seed;
	}
	s->fail_since = FUZZ_BASE_TIME - 100 + seed;
	s->fail_count = 2 + seed;
	s->recovery_tag = 0x0123456789abcdefu;
	s->recovery_used = 0x5;
	memset(s->sessions[0].tag, 0x5e, MS_SESSION_TAG_BYTES);
	s->sessions[0].created = FUZZ_BASE_TIME - 600;
	s->sessions[0].last_used = FUZZ_BASE_TIME - 60;
	memset(s->cache.tag, 0xc0 + seed, MS_CACHE_TAG_BYTES);
	s->cache.verified = FUZZ_BASE_TIME - 30;
}

static void state_seeds(void)
{
	static const size_t sizes[] = { 1, 511, 512, 513, 1023 };
	struct ms_state two[2], zero;
	unsigned char file[FILE_SIZE + 1], copy[FILE_SIZE];
	char name[32];

	memset(&zero, 0, sizeof(zero));
	put("state", "size_0", "", 0);
	put("state", "fresh", file, saved(&zero, 1, file));
	busy_state(&two[0], 1);
	busy_state(&two[1], 2);
	two[1].locked_until = FUZZ_BASE_TIME + 900;
	put("state", "two_slots", file, saved(two, 2, file));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		snprintf(name, sizeof(name), "size_%zu", sizes[i]);
		put("state", name, file, sizes[i]);
	}
	file[FILE_SIZE] = 'x';
	put("state", "size_1025", file, FILE_SIZE + 1);

	memcpy(copy, file, FILE_SIZE);
	memset(copy, 'x', SLOT_SIZE / 2); /* the newest slot, torn */
	put("state", "torn_newest", copy, FILE_SIZE);
	memcpy(copy, file, FILE_SIZE);
	restamp(copy, 1, 99); /* the older slot, from a newer release */
	put("state", "unknown_version", copy, FILE_SIZE);
	memcpy(copy, file, FILE_SIZE);
	restamp(copy, 0, 2);
	put("state", "version_2", copy, FILE_SIZE);

	/* The first write cut short: a zero slot 0, part of slot 1. */
	saved(&zero, 1, file);
	put("state", "torn_first", file, SLOT_SIZE + 200);
}

/* A codecheck input: the clock at FUZZ_BASE_TIME + offset, the code
 * (`session` passes a tag), the state file. */
static void login_seed(const char *name, int64_t offset, const char *code,
		       bool session, const void *state, size_t state_size)
{
	unsigned char input[FUZZ_HEAD_SIZE + FUZZ_CODE_LEN_MASK + FILE_SIZE];
	size_t len = strlen(code);

	memcpy(input, &offset, sizeof(offset));
	input[8] = (unsigned char)(len | (session ? FUZZ_SESSION_BIT : 0));
	memcpy(input + FUZZ_HEAD_SIZE, code, len);
	memcpy(input + FUZZ_HEAD_SIZE + len, state, state_size);
	put("codecheck", name, input, FUZZ_HEAD_SIZE + len + state_size);
}

/* The state file holding `s` alone. */
static size_t one_state(const struct ms_state *s, unsigned char out[FILE_SIZE])
{
	return saved(s, 1, out);
}

static void codecheck_seeds(void)
{
	struct ms_state s;
	unsigned char file[FILE_SIZE];
	size_t size;

	/* "=" then d: the code d % 5 - 2 steps away; "#" then k: recovery
	 * code k (codecheck_input.h). */
	login_seed("right_code", 0, "=\x02", false, "", 0);
	login_seed("right_code_session", 0, "=\x02", true, "", 0);
	login_seed("next_step", 0, "=\x03", false, "", 0);
	login_seed("outside_window", 0, "=\x04", false, "", 0);
	login_seed("wrong_code", 0, "123456", false, "", 0);
	login_seed("missing_code", 0, "", false, "", 0);
	login_seed("recovery", 0, "#\x01", false, "", 0);
	login_seed("recovery_not_stored", 0, "#\x07", false, "", 0);
	login_seed("recovery_form_wrong", 0, "abcde-fghij", true, "", 0);

	memset(&s, 0, sizeof(s));
	size = one_state(&s, file);
	login_seed("fresh_file", 15, "=\x02", true, file, size);
	s.locked_until = FUZZ_BASE_TIME + 900;
	size = one_state(&s, file);
	login_seed("locked", 0, "=\x02", false, file, size);
	login_seed("lock_over", 900, "=\x02", false, file, size);
	memset(&s, 0, sizeof(s));
	/* A bare step of a version 3 state, used moments ago. */
	s.legacy_step = (uint64_t)FUZZ_BASE_TIME / FUZZ_PERIOD;
	size = one_state(&s, file);
	login_seed("replayed", 0, "=\x02", false, file, size);
	memset(&s, 0, sizeof(s));
	s.fail_count = 4;
	s.fail_since = FUZZ_BASE_TIME - 10;
	size = one_state(&s, file);
	login_seed("fifth_failure", 0, "000000", false, file, size);
	memset(file, 'x', sizeof(file));
	login_seed("corrupt", 0, "=\x02", false, file, sizeof(file));
}

#define ENTRY_SIZE 256
#define JOURNAL_SIZE (MS_JOURNAL_ENTRIES * ENTRY_SIZE)

/* The k-th kind of decision: each detail, role and address in turn. */
static void note_kind(unsigned k)
{
	char rhost[32];
	struct ms_journal_event e = {
		.time = FUZZ_BASE_TIME + k,
		.role = k % 2 ? MS_ROLE_WEBMAIL : MS_ROLE_CLIENT,
		.result = k % MS_JOURNAL_DETAIL_COUNT < MS_JOURNAL_BAD_PASSWORD
				  ? MS_JOURNAL_ACCEPTED : MS_JOURNAL_REFUSED,
		.detail = (enum ms_journal_detail)(k % MS_JOURNAL_DETAIL_COUNT),
		.service = k % 2 ? "webmail" : "imap",
		.rhost = rhost,
		.app = k % 3 ? NULL : "phone",
	};
	struct ms_error err = { 0 };
	bool new_address;

	snprintf(rhost, sizeof(rhost), k % 5 ? "192.0.2.%u" : "2001:db8::%x",
		 k % 7);
	if (ms_journal_note(&store, FUZZ_NAME, &e, &new_address, &err) !=
	    MS_OK) {
		fprintf(stderr, "seeds: %s\n", err.msg);
		exit(1);
	}
}

/* The journal after `n` kinds of decision, the first `repeat` of them
 * noted twice. */
static size_t journal_of(unsigned n, unsigned repeat,
			 unsigned char out[JOURNAL_SIZE])
{
	ssize_t got;
	int fd;

	unlink(journal_path);
	for (unsigned k = 0; k < n; k++)
		note_kind(k);
	for (unsigned k = 0; k < repeat; k++)
		note_kind(k);
	fd = open(journal_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (got = pread(fd, out, JOURNAL_SIZE, 0)) < 0)
		die(journal_path);
	close(fd);
	return (size_t)got;
}

static void journal_seeds(void)
{
	static const size_t sizes[] = { 1, 255, 256, 257, 1000,
					JOURNAL_SIZE - 1 };
	static unsigned char file[JOURNAL_SIZE + 1], copy[JOURNAL_SIZE];
	unsigned char *entry;
	char name[32];
	uint32_t version = 2;

	put("journal", "size_0", "", 0);
	put("journal", "one", file, journal_of(1, 0, file));
	put("journal", "few", file, journal_of(5, 3, file));
	put("journal", "wrapped", file,
	    journal_of(MS_JOURNAL_ENTRIES + 9, 4, file));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		snprintf(name, sizeof(name), "size_%zu", sizes[i]);
		put("journal", name, file, sizes[i]);
	}
	file[JOURNAL_SIZE] = 'x';
	put("journal", "size_16385", file, JOURNAL_SIZE + 1);

	memcpy(copy, file, JOURNAL_SIZE);
	memset(copy + 3 * ENTRY_SIZE + 50, 'x', 20); /* one entry torn */
	put("journal", "torn", copy, JOURNAL_SIZE);
	memcpy(copy, file, JOURNAL_SIZE);
	entry = copy + 7 * ENTRY_SIZE; /* one entry of a newer release */
	memcpy(entry + 4, &version, sizeof(version));
	crypto_generichash(entry + ENTRY_SIZE - CHECKSUM_SIZE, CHECKSUM_SIZE,
			   entry, ENTRY_SIZE - CHECKSUM_SIZE, NULL, 0);
	put("journal", "unknown_version", copy, JOURNAL_SIZE);
	unlink(journal_path);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: seeds CORPUS_DIR\n");
		return 2;
	}
	corpus = argv[1];
	if (sodium_init() < 0)
		return 1;
	store_open();
	state_seeds();
	codecheck_seeds();
	journal_seeds();
	ms_store_close(&store);
	unlink(state_path);
	rmdir(settings.state_dir);
	rmdir(settings.users_dir);
	rmdir(dir);
	return 0;
}
