#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "secret_input.h"
#include "secure.h"

enum ms_status secret_read_line(const char *what, char buf[SECRET_INPUT_MAX + 1],
				struct ms_error *err)
{
	size_t len = 0;
	char c;

	for (;;) {
		ssize_t n = read(STDIN_FILENO, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ms_wipe(buf, SECRET_INPUT_MAX + 1);
			return ms_fail_errno(err, MS_SYSTEM, errno,
					     "cannot read the %s", what);
		}
		if (n == 0 || c == '\n')
			break;
		/* As a C string the secret would end there, cut short. */
		if (c == '\0') {
			ms_wipe(buf, SECRET_INPUT_MAX + 1);
			return ms_fail(err, MS_INVALID,
				       "%s contains a NUL byte", what);
		}
		if (len == SECRET_INPUT_MAX) {
			ms_wipe(buf, SECRET_INPUT_MAX + 1);
			return ms_fail(err, MS_INVALID,
				       "%s longer than %d bytes", what,
				       SECRET_INPUT_MAX);
		}
		buf[len++] = c;
	}
	buf[len] = '\0';
	if (len == 0)
		return ms_fail(err, MS_INVALID, "empty %s", what);
	return MS_OK;
}

static enum ms_status prompt_once(const char *prompt,
				  char buf[SECRET_INPUT_MAX + 1],
				  struct ms_error *err)
{
	struct termios saved, quiet;
	enum ms_status status;

	if (tcgetattr(STDIN_FILENO, &saved) != 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "terminal");
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	fputs(prompt, stderr);
	fflush(stderr);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "terminal");
	status = secret_read_line("password", buf, err);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	return status;
}

static enum ms_status prompt_twice(char buf[SECRET_INPUT_MAX + 1],
				   char again[SECRET_INPUT_MAX + 1],
				   struct ms_error *err)
{
	enum ms_status status = prompt_once("New password: ", buf, err);

	if (status != MS_OK)
		return status;
	status = prompt_once("Retype new password: ", again, err);
	if (status != MS_OK)
		return status;
	if (!ms_streq_ct(again, buf))
		return ms_fail(err, MS_INVALID, "passwords do not match");
	return MS_OK;
}

enum ms_status secret_read_new_password(char buf[SECRET_INPUT_MAX + 1],
					struct ms_error *err)
{
	char again[SECRET_INPUT_MAX + 1];
	enum ms_status status;

	if (!isatty(STDIN_FILENO))
		return secret_read_line("password", buf, err);
	status = prompt_twice(buf, again, err);
	ms_wipe(again, sizeof(again));
	if (status != MS_OK)
		ms_wipe(buf, SECRET_INPUT_MAX + 1);
	return status;
}
