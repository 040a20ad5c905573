/* The PostgreSQL driver's test: the built store_postgresql.so, loaded as
 * the library loads it, on a private cluster (test_driver.sh). */
#ifndef MAILSEC_DRIVER_TEST_H
#define MAILSEC_DRIVER_TEST_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "db_driver.h"

extern const struct ms_db_driver *drv;
extern const char *sock_dir;

void check(bool ok, const char *what, const char *detail);
/* A case: its status, and that the message holds `part` (NULL: any). */
void check_status(enum ms_status got, enum ms_status want,
		  const struct ms_error *err, const char *part,
		  const char *what);
double now_ms(void);

/* host=SOCK dbname=mailsec user=USER application_name=APP */
const char *conninfo(const char *user, const char *app);
struct ms_db *db_open(const char *user, const char *app, enum ms_db_role role,
		      unsigned timeout_ms);

/* A connection of the test's own, as the superuser, to look on. */
PGconn *super(void);
/* The first value of `sql` as the superuser; "" when none, NULL on an
 * error. */
const char *super_value(const char *sql);
/* The pid of the one backend whose application_name is `app`; 0: none. */
int backend_of(const char *app);
bool backend_alive(int pid);

void cases_conninfo(void);
void cases_schema(void);
void cases_rows(void);
void cases_grants(void);
void cases_lock(void);
void cases_deadline(void);
void cases_fork(void);
void cases_restart(void);
void cases_down(void);

#endif
