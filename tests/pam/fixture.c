#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../support/pgstore.h"
#include "../support/tree.h"
#include "fixture.h"

struct fixture fx;

const char *fx_module(void)
{
	const char *module = getenv("MAILSEC_MODULE");

	ck_assert_msg(module && module[0] == '/' && access(module, R_OK) == 0,
		      "MAILSEC_MODULE must name the built pam_mailsec.so");
	return module;
}

const char *fx_wrapper_modules(void)
{
	const char *dir = getenv("PAM_WRAPPER_MODULES");

	return dir && dir[0] == '/' ? dir : NULL;
}

void fx_conf(const char *extra)
{
	char text[6 * PATH_MAX], store[3 * PATH_MAX] = "";

	if (ts_pg())
		ts_pg_conf(store, sizeof(store), NULL, fx.pg_group);
	snprintf(text, sizeof(text),
		 "users_dir = \"%s\";\nstate_dir = \"%s\";\n%s%s", fx.users,
		 fx.state, store, extra);
	ts_write_str(fx.conf, text, 0644);
}

/* Appends `text` to `out` (of `size`), replacing the @...@ tokens. */
static void expand(const char *text, char *out, size_t size)
{
	static const char *const tokens[] = { "@MODULE@", "@CONF@", "@WRAPPER@" };
	const char *values[] = { fx_module(), fx.conf, fx_wrapper_modules() };
	size_t used = 0;

	while (*text) {
		size_t i = 0, len = 1;
		const char *piece = text;

		for (; i < 3 && strncmp(text, tokens[i], strlen(tokens[i])); i++)
			;
		if (i < 3) {
			ck_assert_msg(values[i], "%s unknown", tokens[i]);
			piece = values[i];
			len = strlen(piece);
			text += strlen(tokens[i]);
		} else {
			text++;
		}
		ck_assert_msg(used + len < size, "service file too long");
		memcpy(out + used, piece, len);
		used += len;
	}
	out[used] = '\0';
}

void fx_stack(const char *service, const char *text)
{
	char path[PATH_MAX], body[8 * PATH_MAX];

	ts_path(path, sizeof(path), fx.pamd, service, NULL);
	expand(text, body, sizeof(body));
	ts_write_str(path, body, 0644);
}

void fx_stack_args(const char *service, const char *auth_args)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "auth required @MODULE@ config=@CONF@ %s\n"
		 "account required @MODULE@ config=@CONF@\n",
		 auth_args);
	fx_stack(service, text);
}

static void make_dir(char *out, const char *name)
{
	ts_path(out, PATH_MAX, fx.dir, name, NULL);
	ck_assert_msg(mkdir(out, 0700) == 0, "mkdir %s: %s", out,
		      strerror(errno));
}

void fx_setup(void)
{
	memset(&fx, 0, sizeof(fx));
	if (ts_pg())
		ts_pg_reset();
	ts_test_dir(fx.dir, sizeof(fx.dir), "test");
	make_dir(fx.users, "users");
	make_dir(fx.state, "state");
	make_dir(fx.pamd, "pam.d");
	ts_path(fx.conf, sizeof(fx.conf), fx.dir, "mailsec.conf", NULL);
	fx_conf(FX_CONF_DEFAULT);
	fx_stack_args("webmail", "");
	fx_stack_args("imap", "");
	fx_stack_args("pop3", "");
	fx_stack_args("smtp", "");
	fx_stack_args("dovecot", "");
}

void fx_teardown(void)
{
	if (fx.dir[0])
		ts_remove_tree(fx.dir);
	fx.dir[0] = '\0';
}
