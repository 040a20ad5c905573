/* One entry of the activity journal as bytes (journal_entry.c has the
 * layout): what journal.c reads and journal_note.c writes. Internal to
 * the library. */
#ifndef MAILSEC_JOURNAL_ENTRY_H
#define MAILSEC_JOURNAL_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "journal.h"

#define MS_JENTRY_SIZE 256
#define MS_JOURNAL_SIZE (MS_JOURNAL_ENTRIES * MS_JENTRY_SIZE)

enum ms_jentry_kind {
	MS_JENTRY_FREE,    /* all zero */
	MS_JENTRY_VALID,
	MS_JENTRY_TORN,    /* no magic, a bad checksum, or odd fields */
	MS_JENTRY_UNKNOWN, /* whole, of a version this code does not know */
};

/* The full judgement, checksum included. */
enum ms_jentry_kind ms_jentry_kind(const unsigned char *entry);
bool ms_jentry_valid(const unsigned char *entry);

/* Judged without the checksum. */
bool ms_jentry_free(const unsigned char *entry);
bool ms_jentry_has_magic(const unsigned char *entry);
/* Magic and this code's version: what may be a valid entry. */
bool ms_jentry_looks_current(const unsigned char *entry);
uint64_t ms_jentry_seq(const unsigned char *entry);
uint32_t ms_jentry_count(const unsigned char *entry);
int64_t ms_jentry_first(const unsigned char *entry);
bool ms_jentry_refused(const unsigned char *entry);

/* A valid entry's fields. */
void ms_jentry_decode(const unsigned char *entry, struct ms_journal_entry *out);

/* An entry holding only the key of `event` (role, result, detail, text,
 * cut and made safe), to compare and then seal. */
void ms_jentry_key(const struct ms_journal_event *event,
		   unsigned char entry[MS_JENTRY_SIZE]);
/* Whether `entry` has the key of `key`. */
bool ms_jentry_alike(const unsigned char *entry, const unsigned char *key);
/* Whether `key` has an address, and `entry` was accepted from it. */
bool ms_jentry_key_has_rhost(const unsigned char *key);
bool ms_jentry_accepted_from(const unsigned char *entry,
			     const unsigned char *key);
/* Stamps a key with the rest of the fields and the checksum. */
void ms_jentry_seal(unsigned char entry[MS_JENTRY_SIZE], uint64_t seq,
		    int64_t time, int64_t first, uint32_t count);

/* NAME.journal into `file`. */
void ms_journal_file_name(const char *name, char *file, size_t size);

/* The journal's entries into `bytes`, and into *present how many the
 * file reaches into (the last one, when cut short, zero-filled): those
 * past its end are free. */
enum ms_status ms_journal_read_fd(int fd, const char *shown,
				  unsigned char bytes[MS_JOURNAL_SIZE],
				  unsigned *present, struct ms_error *err);

#endif
