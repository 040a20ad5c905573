#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

struct fixture fx;

/* Made by the runner before any test process forks; holds every test's
 * directory, so that those of failed tests go too. */
static char run_dir[PATH_MAX - 64];

/* The names of the tests fx_skip left out, for fx_run_end. */
static char skipped[512];
static unsigned n_skipped;

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

void fx_path(char *out, size_t size, const char *dir, const char *name,
	     const char *suffix)
{
	int n = snprintf(out, size, "%s/%s%s%s", dir, name, suffix ? "." : "",
			 suffix ? suffix : "");

	ck_assert_msg(n > 0 && (size_t)n < size, "path too long: %s", name);
}

void fx_write(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t len = strlen(text);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_msg(write(fd, text, len) == (ssize_t)len, "write %s", path);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

void fx_conf(const char *extra)
{
	char text[3 * PATH_MAX];

	snprintf(text, sizeof(text), "users_dir = \"%s\";\nstate_dir = \"%s\";\n%s",
		 fx.users, fx.state, extra);
	fx_write(fx.conf, text, 0644);
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

	fx_path(path, sizeof(path), fx.pamd, service, NULL);
	expand(text, body, sizeof(body));
	fx_write(path, body, 0644);
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
	fx_path(out, PATH_MAX, fx.dir, name, NULL);
	ck_assert_msg(mkdir(out, 0700) == 0, "mkdir %s: %s", out,
		      strerror(errno));
}

void fx_setup(void)
{
	ck_assert_msg(run_dir[0], "fx_run_begin not called");
	memset(&fx, 0, sizeof(fx));
	snprintf(fx.dir, sizeof(fx.dir), "%s/test-XXXXXX", run_dir);
	ck_assert_msg(mkdtemp(fx.dir), "mkdtemp: %s", strerror(errno));
	make_dir(fx.users, "users");
	make_dir(fx.state, "state");
	make_dir(fx.pamd, "pam.d");
	fx_path(fx.conf, sizeof(fx.conf), fx.dir, "mailsec.conf", NULL);
	fx_conf(FX_CONF_DEFAULT);
	fx_stack_args("webmail", "");
	fx_stack_args("imap", "");
	fx_stack_args("pop3", "");
	fx_stack_args("smtp", "");
	fx_stack_args("dovecot", "");
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	return remove(path);
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void fx_teardown(void)
{
	if (fx.dir[0])
		remove_tree(fx.dir);
	fx.dir[0] = '\0';
}

int fx_run_begin(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(run_dir, sizeof(run_dir), "%s/pam-mailsec-XXXXXX",
		 tmp && tmp[0] == '/' ? tmp : "/tmp");
	if (mkdtemp(run_dir))
		return 0;
	perror("mkdtemp");
	return -1;
}

void fx_skip(const char *test, const char *why)
{
	size_t used = strlen(skipped);

	fprintf(stderr, "SKIP: %s: %s\n", test, why);
	snprintf(skipped + used, sizeof(skipped) - used, "%s%s",
		 n_skipped ? ", " : "", test);
	n_skipped++;
}

void fx_run_end(void)
{
	if (n_skipped)
		fprintf(stderr, "SKIP: %u test(s) not run: %s\n", n_skipped,
			skipped);
	if (run_dir[0])
		remove_tree(run_dir);
	run_dir[0] = '\0';
}
