#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "fixture.h"
#include "logs.h"

static char log_path[PATH_MAX];
static char text[64 * 1024];
static char line[4096];

void lg_start(void)
{
	ts_path(log_path, sizeof(log_path), fx.dir, "syslog", NULL);
	lg_clear();
	ck_assert_int_eq(setenv("SYSLOG_CAPTURE", log_path, 1), 0);
}

void lg_clear(void)
{
	ck_assert_msg(unlink(log_path) == 0 || errno == ENOENT, "unlink %s",
		      log_path);
}

const char *lg_text(void)
{
	int fd = open(log_path, O_RDONLY | O_CLOEXEC);
	ssize_t len = 0;

	ck_assert_msg(log_path[0], "lg_start not called");
	text[0] = '\0';
	if (fd < 0)
		return text;
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	ck_assert_msg(len >= 0 && (size_t)len < sizeof(text) - 1,
		      "syslog capture unreadable or too long");
	text[len] = '\0';
	return text;
}

/* How many captured lines hold `needle`; the last of them into `last`. */
static unsigned matching(const char *needle, char *last, size_t size)
{
	const char *at = lg_text();
	unsigned n = 0;

	while (*at) {
		const char *end = strchr(at, '\n');
		size_t len = end ? (size_t)(end - at) : strlen(at);

		if (len < sizeof(line)) {
			memcpy(line, at, len);
			line[len] = '\0';
			if (strstr(line, needle)) {
				n++;
				if (last)
					snprintf(last, size, "%s", line);
			}
		}
		at += len + (end ? 1 : 0);
	}
	return n;
}

unsigned lg_count(const char *needle)
{
	return matching(needle, NULL, 0);
}

const char *lg_one(const char *needle)
{
	static char found[sizeof(line)];
	unsigned n = matching(needle, found, sizeof(found));

	ck_assert_msg(n == 1, "%u syslog lines hold \"%s\", not 1:\n%s", n,
		      needle, lg_text());
	return found;
}

void lg_assert_absent(const char *secret)
{
	ck_assert_msg(!strstr(lg_text(), secret),
		      "a syslog line holds \"%s\":\n%s", secret, text);
}
