/* The mailsec.conf loader on arbitrary file contents. The loader takes a
 * path and refuses unsafe files, so each input is written to one private
 * 0600 file, made once per process in $TMPDIR (a memfd would not do: its
 * /proc/self/fd path is a symlink, which the loader rightly refuses). */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "cfgparse.h"
#include "fuzz.h"
#include "settings.h"
#include "store.h"

static char dir[PATH_MAX];
static char path[PATH_MAX];
static int fd = -1;

static void cleanup(void)
{
	close(fd);
	unlink(path);
	rmdir(dir);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/mailsec-fuzz.XXXXXX",
		 tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/mailsec.conf", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	atexit(cleanup);
}

static void put_input(const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) != 0 ||
	    (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
}

static void check_string(const char *s, size_t size, bool may_be_empty)
{
	FUZZ_CHECK(strnlen(s, size) < size);
	FUZZ_CHECK(may_be_empty || s[0] != '\0');
	FUZZ_CHECK(ms_cfg_printable(s));
}

/* What every caller of the loader relies on after a success. */
static void check_valid(const struct ms_settings *s)
{
	FUZZ_CHECK(strcmp(s->path, path) == 0);
	check_string(s->users_dir, sizeof(s->users_dir), false);
	check_string(s->state_dir, sizeof(s->state_dir), false);
	FUZZ_CHECK(s->users_dir[0] == '/' && s->state_dir[0] == '/');
	FUZZ_CHECK(s->n_webmail_services <= MS_SERVICES_MAX);
	for (unsigned i = 0; i < s->n_webmail_services; i++)
		check_string(s->webmail_services[i],
			     sizeof(s->webmail_services[i]), false);
	check_string(s->totp.issuer, sizeof(s->totp.issuer), false);
	FUZZ_CHECK(s->totp.algorithm <= MS_SHA512);
	FUZZ_CHECK(s->totp.digits >= MS_DIGITS_MIN &&
		   s->totp.digits <= MS_DIGITS_MAX);
	FUZZ_CHECK(s->totp.period >= MS_PERIOD_MIN &&
		   s->totp.period <= MS_PERIOD_MAX);
	FUZZ_CHECK(s->totp.window <= 10);
	FUZZ_CHECK(s->lockout.max_failures >= 1 &&
		   s->lockout.max_failures <= 1000);
	FUZZ_CHECK(s->lockout.within >= 1 && s->lockout.within <= 86400);
	FUZZ_CHECK(s->lockout.lock_for >= 1 && s->lockout.lock_for <= 604800);
	FUZZ_CHECK(s->cache_ttl <= 86400);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ms_settings settings; /* PATH_MAX-sized members */
	struct ms_error err = { 0 };
	enum ms_status status;

	if (fd < 0)
		setup();
	put_input(data, size);
	status = ms_settings_load(path, MS_CONF_NAMED, &settings, &err);
	if (status == MS_OK) {
		check_valid(&settings);
	} else if (status == MS_SYSTEM) {
		/* Our own 0600 file: only its size may be refused. */
		FUZZ_CHECK(size > MS_FILE_MAX);
	} else {
		FUZZ_CHECK(status == MS_INVALID);
		FUZZ_CHECK(strncmp(err.msg, path, strlen(path)) == 0);
	}
	return 0;
}
