/* What tests/pg/test_hosts.c and test_outage.c share. */
#ifndef TESTS_PG_HOSTS_H
#define TESTS_PG_HOSTS_H

#include <limits.h>

#include <check.h>

#include "../support/conv.h"

struct host_b {
	char dir[PATH_MAX];
	char conf[PATH_MAX];
	char pamd[PATH_MAX];
};

extern struct host_b host_b;

/* Host B beside the fixture's host A: its mailsec.conf (the database's
 * keys and `extra`) and a webmail stack with `webmail_args`. */
void host_b_setup(const char *extra, const char *webmail_args);

/* pam_authenticate on the webmail stack of host 'A' or 'B'. */
int host_auth(char host, const char *name, const char *rhost,
	      struct ts_talk *talk);

TCase *tcase_outage(void); /* test_outage.c */

#endif
