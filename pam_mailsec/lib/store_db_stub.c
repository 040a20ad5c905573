/* The PostgreSQL store's entry points in a library built without it. */
#include "config.h"

#include "store_db.h"

enum ms_status ms_store_db_open(const struct ms_settings *settings,
				enum ms_store_mode mode, struct ms_store *store,
				struct ms_error *err)
{
	(void)settings;
	(void)mode;
	(void)store;
	return ms_fail(err, MS_SYSTEM, "built without the PostgreSQL store");
}

void ms_store_db_close(struct ms_store *store)
{
	store->db = NULL;
	store->db_driver = NULL;
}

void ms_store_db_renew(const struct ms_store *store)
{
	(void)store;
}
