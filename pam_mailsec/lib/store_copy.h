/* Moving mailboxes between stores (mailsecctl db export, db import) and
 * the database's schema (mailsecctl db init, upgrade, check). */
#ifndef MAILSEC_STORE_COPY_H
#define MAILSEC_STORE_COPY_H

#include <stddef.h>

#include "db_driver.h"
#include "error.h"
#include "store.h"

/* Copies the mailbox `name` of `from` into `to`, lossless: its record,
 * runtime state, app-password uses and journal, written under `to`'s
 * lock (on the database, one transaction), but for the uses on files:
 * there their edit takes the mailbox lock itself, just after. MS_EXISTS
 * ("NAME: already exists in the target store") when `to` has a record
 * of `name`: nothing is written then; MS_NOT_FOUND when `from` has none. */
enum ms_status ms_store_copy_mailbox(const struct ms_store *from,
				     const struct ms_store *to,
				     const char *name, struct ms_error *err);

/* ms_store_copy_mailbox over a mailbox `to` has already: under the lock
 * its record is written under, the target's record, state, app-password
 * uses and journal are removed first, then the copy is made as for a new
 * mailbox. */
enum ms_status ms_store_replace_mailbox(const struct ms_store *from,
					const struct ms_store *to,
					const char *name, struct ms_error *err);

/* Makes `to`'s host key `from`'s: webmail sessions and cached credentials
 * keep their meaning across the move. */
enum ms_status ms_store_copy_host_key(const struct ms_store *from,
				      const struct ms_store *to,
				      struct ms_error *err);

/* Creates, upgrades or checks the database's schema (db_driver.h), the
 * module's privileges granted to postgresql.module_role; a line for the
 * administrator into `report`. MS_USAGE on the file store. */
enum ms_status ms_store_schema(const struct ms_store *store,
			       enum ms_db_schema_op op, char *report,
			       size_t size, struct ms_error *err);

#endif
