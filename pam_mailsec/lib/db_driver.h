/* The interface between the library and a database driver: a shared object
 * loaded with dlopen only when mailsec.conf says store = "postgresql", so
 * that a process on the file store never maps libpq and the libraries it
 * pulls in.
 *
 * The driver speaks bytes only: record text, the opaque state blobs the
 * library encodes, the host key. Every rule about what the bytes mean
 * (how a code is judged, how a journal entry is chosen) stays in the
 * library; the driver stores, compares sequence numbers and locks.
 *
 * The driver is self-contained (it links none of the library's objects
 * but error.c), exports one symbol, MS_DB_DRIVER_SYMBOL, and fills a
 * struct ms_error as the library does.
 *
 * One table, mailsec_mailbox, holds a row per mailbox: its record text,
 * the record's version (a number from a sequence, new on every save and
 * never reused, so that a record removed and made again differs), and
 * three blobs with a sequence number each. A blob's sequence number is
 * what makes the library's read-change-write exact across hosts: a write
 * names the number it read and changes nothing when another host wrote
 * in between (MS_DB_CONFLICT), and the library reads and judges again. */
#ifndef MAILSEC_DB_DRIVER_H
#define MAILSEC_DB_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define MS_DB_API_VERSION 1
/* const struct ms_db_driver *ms_db_driver(unsigned api_version): NULL
 * when the driver does not speak that version. */
#define MS_DB_DRIVER_SYMBOL "ms_db_driver"

#define MS_DB_KEY_BYTES 32 /* the shared host key (hostkey.h) */

/* The blobs of a mailbox besides its record. */
enum ms_db_blob {
	MS_DB_STATE,   /* struct ms_state, as ms_state_encode makes it */
	MS_DB_APPS,    /* struct ms_app_state, as ms_app_state_encode */
	MS_DB_JOURNAL, /* the activity journal's entries, as in the file */
	MS_DB_BLOBS
};

/* A write's outcome besides the enum ms_status values: the blob's
 * sequence number was not the one named (another writer came first). */
#define MS_DB_CONFLICT ((enum ms_status)100)

enum ms_db_role {
	MS_DB_LOGIN, /* the module: reads records, writes blobs;
		      * synchronous_commit=off */
	MS_DB_ADMIN, /* mailsecctl: everything; commits synchronously */
};

struct ms_db_config {
	const char *conninfo; /* libpq's; the password in a passfile */
	unsigned timeout_ms;  /* the deadline of one login or command */
	enum ms_db_role role;
};

/* What a load gives, in buffers the driver allocates and
 * ms_db_driver.row_free wipes and frees. */
struct ms_db_row {
	char *record;  /* NUL-terminated text; NULL unless asked for */
	size_t record_len;
	int64_t version;
	unsigned char *blob[MS_DB_BLOBS]; /* NULL when never written */
	size_t blob_len[MS_DB_BLOBS];
	int64_t blob_seq[MS_DB_BLOBS];    /* 0 when never written */
};

/* What ms_db_driver.load reads: MS_DB_WANT_RECORD and the blobs' bits
 * (1u << enum ms_db_blob). Version and sequence numbers always. */
#define MS_DB_WANT_RECORD (1u << 8)
#define MS_DB_WANT_BLOB(b) (1u << (b))

enum ms_db_schema_op {
	MS_DB_SCHEMA_CHECK,   /* MS_OK when the schema is the current one */
	MS_DB_SCHEMA_INIT,    /* creates it in an empty database, and a host
			       * key; MS_EXISTS when there is one */
	MS_DB_SCHEMA_UPGRADE, /* from any older version to the current one */
};

typedef enum ms_status ms_db_name_fn(const char *name, void *arg,
				     struct ms_error *err);

struct ms_db; /* a use of the process's connection: one login, one command */

/* Every call may fail with MS_SYSTEM ("postgresql: ...: WHY"): the server
 * unreachable, an error, or the deadline passed. A call that finds its
 * kept connection dead (the server restarted) connects once more and
 * repeats itself once, outside a transaction. */
struct ms_db_driver {
	unsigned api_version;

	/* A use of the process's one connection for `config`, opened on
	 * first use (not here); the deadline starts now. A connection a
	 * parent process opened (the pid changed) is forgotten, never
	 * closed: closing it would end the parent's session. */
	enum ms_status (*open)(const struct ms_db_config *config,
			       struct ms_db **db, struct ms_error *err);
	/* Rolls back a transaction left open; keeps the connection. */
	void (*close)(struct ms_db *db);
	/* A new deadline from now: for a command that does many things
	 * (export, import), each mailbox its own. */
	void (*renew)(struct ms_db *db);

	/* The row of `name`, what `want` asks for. MS_NOT_FOUND: none. */
	enum ms_status (*load)(struct ms_db *db, const char *name,
			       unsigned want, struct ms_db_row *row,
			       struct ms_error *err);
	void (*row_free)(struct ms_db_row *row);
	/* The record's version only: MS_NOT_FOUND when there is no row. */
	enum ms_status (*version)(struct ms_db *db, const char *name,
				  int64_t *version, struct ms_error *err);
	/* Every name, in byte order, to `each`; stops at its first error. */
	enum ms_status (*names)(struct ms_db *db, ms_db_name_fn *each,
				void *arg, struct ms_error *err);

	/* Writes the record text of `name`, a row made when there is none
	 * (its blobs empty); its new version into *version. */
	enum ms_status (*save_record)(struct ms_db *db, const char *name,
				      const char *text, size_t len,
				      int64_t *version, struct ms_error *err);
	/* Deletes the row, blobs and all. MS_NOT_FOUND: there was none. */
	enum ms_status (*remove)(struct ms_db *db, const char *name,
				 struct ms_error *err);

	/* Writes blob `which` of `name` (NULL, 0: empties it) when its
	 * sequence number is still `seq`, and makes it seq + 1; seq < 0
	 * writes whatever it is (under ms_db_driver.lock). MS_DB_CONFLICT
	 * when it moved; MS_NOT_FOUND when there is no row (a blob never
	 * makes one). */
	enum ms_status (*save_blob)(struct ms_db *db, const char *name,
				    enum ms_db_blob which, int64_t seq,
				    const unsigned char *data, size_t len,
				    struct ms_error *err);

	/* Begins a transaction holding `name`'s row (SELECT ... FOR UPDATE)
	 * until unlock; MS_NOT_FOUND (and no transaction) when `existing`
	 * and there is no row. Without `existing`, a lock on the name that
	 * needs no row (for a mailbox being made). Waits at most until the
	 * deadline. Every call until unlock is part of the transaction. */
	enum ms_status (*lock)(struct ms_db *db, const char *name,
			       bool existing, struct ms_error *err);
	/* Commits (`commit`) or rolls back. A failed commit: MS_SYSTEM;
	 * nothing of the transaction was written, unless the connection
	 * went while the COMMIT was on its way ("the connection was lost;
	 * the change may or may not have been saved"): then the server may
	 * have committed it. */
	enum ms_status (*unlock)(struct ms_db *db, bool commit,
				 struct ms_error *err);

	/* The shared host key; MS_NOT_FOUND when the schema has none. */
	enum ms_status (*host_key)(struct ms_db *db,
				   unsigned char key[MS_DB_KEY_BYTES],
				   struct ms_error *err);
	/* Replaces it (db import brings a file store's key along). */
	enum ms_status (*set_host_key)(struct ms_db *db,
				       const unsigned char key[MS_DB_KEY_BYTES],
				       struct ms_error *err);

	/* Creates, upgrades or checks the schema; grants the module's
	 * privileges to `module_role` on init and upgrade. A line for the
	 * administrator into `report` ("schema version 1"). */
	enum ms_status (*schema)(struct ms_db *db, enum ms_db_schema_op op,
				 const char *module_role, char *report,
				 size_t report_size, struct ms_error *err);
};

typedef const struct ms_db_driver *ms_db_driver_fn(unsigned api_version);

#endif
