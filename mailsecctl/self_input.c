#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "secure.h"
#include "self_input.h"

/* Every byte valid input can hold: each line with its newline. One byte
 * more is read, so that too much input shows as such. */
#define RAW_MAX (SELF_INPUT_LINES * (SECRET_INPUT_MAX + 1))

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 when stdin has data or is at its end, 0 when `deadline` passed, -1 on
 * an error (errno). */
static int wait_readable(int64_t deadline)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	for (;;) {
		int64_t left = deadline - monotonic_ms();
		int n;

		if (left <= 0)
			return 0;
		n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			continue; /* the loop looks at the clock again */
		if (pfd.revents & POLLNVAL) {
			errno = EBADF;
			return -1;
		}
		return 1; /* POLLIN, POLLHUP or POLLERR: read() says which */
	}
}

static enum ms_status read_raw(char *raw, size_t size, size_t *len,
			       struct ms_error *err)
{
	int64_t deadline = monotonic_ms() + SELF_INPUT_SECONDS * 1000;

	*len = 0;
	while (*len < size) {
		int ready = wait_readable(deadline);
		ssize_t n;

		if (ready == 0)
			return ms_fail(err, MS_INVALID,
				       "self: standard input not closed within "
				       "%d s (self reads all of it first)",
				       SELF_INPUT_SECONDS);
		n = ready < 0 ? -1 : read(STDIN_FILENO, raw + *len, size - *len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return ms_fail_errno(err, MS_SYSTEM, errno,
					     "self: cannot read standard input");
		if (n == 0)
			return MS_OK;
		*len += (size_t)n;
	}
	return MS_OK; /* full: the split tells what is too much */
}

/* A last line without its newline counts; nothing after the last newline
 * is no line. */
static int count_lines(const char *raw, size_t len)
{
	int n = 0;

	for (size_t i = 0; i < len; i++)
		n += raw[i] == '\n';
	return n + (len > 0 && raw[len - 1] != '\n');
}

static const char *line_name(int i, int n, const char *own_name)
{
	if (own_name && i == n - 1)
		return own_name;
	return i == 0 ? "credential" : "code";
}

static enum ms_status split(struct self_input *input, const char *raw,
			    size_t len, const char *own_name,
			    struct ms_error *err)
{
	int n = count_lines(raw, len);
	size_t start = 0;

	if (n > SELF_INPUT_LINES)
		return ms_fail(err, MS_INVALID,
			       "self: standard input holds more than %d lines",
			       SELF_INPUT_LINES);
	for (int i = 0; i < n; i++) {
		const char *newline = memchr(raw + start, '\n', len - start);
		size_t end = newline ? (size_t)(newline - raw) : len;
		size_t line_len = end - start;
		const char *what = line_name(i, n, own_name);

		if (line_len > SECRET_INPUT_MAX)
			return ms_fail(err, MS_INVALID,
				       "self: the %s (line %d of standard input) "
				       "is longer than %d bytes",
				       what, i + 1, SECRET_INPUT_MAX);
		/* As a C string the secret would end there, cut short. */
		if (memchr(raw + start, '\0', line_len))
			return ms_fail(err, MS_INVALID,
				       "self: the %s (line %d of standard input) "
				       "contains a NUL byte", what, i + 1);
		memcpy(input->lines[i], raw + start, line_len);
		input->lines[i][line_len] = '\0';
		start = end + 1;
	}
	input->n_lines = n;
	return MS_OK;
}

/* The last line is the command's own; the stack has the others. */
static enum ms_status set_own(struct self_input *input, const char *own_name,
			      struct ms_error *err)
{
	input->n_for_stack = input->n_lines;
	if (!own_name)
		return MS_OK;
	if (input->n_lines < 2)
		return ms_fail(err, MS_INVALID,
			       "self: no %s: it is the last line of standard "
			       "input, after the credential", own_name);
	input->own = input->lines[input->n_lines - 1];
	if (!input->own[0])
		return ms_fail(err, MS_INVALID, "self: empty %s", own_name);
	input->n_for_stack--;
	return MS_OK;
}

static enum ms_status read_lines(struct self_input *input, char *raw,
				 size_t size, const char *own_name,
				 struct ms_error *err)
{
	size_t len = 0;
	enum ms_status status = read_raw(raw, size, &len, err);

	if (status != MS_OK)
		return status;
	status = split(input, raw, len, own_name, err);
	if (status != MS_OK)
		return status;
	return set_own(input, own_name, err);
}

enum ms_status self_input_read(struct self_input *input, const char *own_name,
			       struct ms_error *err)
{
	char raw[RAW_MAX + 1];
	enum ms_status status;

	memset(input, 0, sizeof(*input));
	status = read_lines(input, raw, sizeof(raw), own_name, err);
	ms_wipe(raw, sizeof(raw));
	if (status != MS_OK)
		self_input_wipe(input);
	return status;
}

const char *self_input_answer(struct self_input *input)
{
	if (input->n_answered == input->n_for_stack)
		return NULL;
	return input->lines[input->n_answered++];
}

bool self_input_unused(const struct self_input *input)
{
	return input->n_answered < input->n_for_stack;
}

void self_input_wipe(struct self_input *input)
{
	ms_wipe(input, sizeof(*input));
}
