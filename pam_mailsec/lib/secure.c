#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "secure.h"

void ms_wipe(void *buf, size_t len)
{
	if (buf)
		explicit_bzero(buf, len);
}

void ms_wipe_str(char *str)
{
	if (str)
		explicit_bzero(str, strlen(str));
}

void ms_free_secret(char *str)
{
	ms_wipe_str(str);
	free(str);
}

bool ms_streq_ct(const char *given, const char *expected)
{
	size_t expected_len = strlen(expected);
	size_t given_len = strnlen(given, expected_len + 1);
	/* Compare against itself on a length mismatch so the work done is the
	 * same either way. */
	const char *other = given_len == expected_len ? given : expected;
	int same = sodium_memcmp(other, expected, expected_len) == 0;

	return same && given_len == expected_len;
}

/* Room for the text so far, `more` bytes and the NUL. */
static bool secret_buf_reserve(struct ms_secret_buf *buf, size_t more)
{
	size_t cap = buf->cap ? buf->cap : 64;
	char *grown;

	if (more > SIZE_MAX / 2 - buf->len - 1)
		return false;
	if (buf->len + more < buf->cap)
		return true;
	while (cap <= buf->len + more)
		cap *= 2;
	grown = malloc(cap);
	if (!grown)
		return false;
	if (buf->data)
		memcpy(grown, buf->data, buf->len + 1);
	ms_wipe(buf->data, buf->cap);
	free(buf->data);
	buf->data = grown;
	buf->cap = cap;
	return true;
}

bool ms_secret_buf_add(struct ms_secret_buf *buf, const char *bytes,
		       size_t len)
{
	if (buf->failed)
		return false;
	if (!secret_buf_reserve(buf, len)) {
		ms_secret_buf_wipe(buf);
		buf->failed = true;
		return false;
	}
	memcpy(buf->data + buf->len, bytes, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return true;
}

bool ms_secret_buf_add_str(struct ms_secret_buf *buf, const char *str)
{
	return ms_secret_buf_add(buf, str, strlen(str));
}

static ssize_t secret_buf_write(void *cookie, const char *data, size_t size)
{
	/* 0 sets the stream's error; `failed` says so to the owner. */
	return ms_secret_buf_add(cookie, data, size) ? (ssize_t)size : 0;
}

FILE *ms_secret_buf_stream(struct ms_secret_buf *buf)
{
	cookie_io_functions_t io = { .write = secret_buf_write };
	FILE *stream = fopencookie(buf, "w", io);

	if (stream)
		setvbuf(stream, NULL, _IONBF, 0);
	return stream;
}

char *ms_secret_buf_take(struct ms_secret_buf *buf)
{
	char *text;

	if (!buf->failed && !buf->data)
		ms_secret_buf_add(buf, "", 0);
	text = buf->failed ? NULL : buf->data;
	buf->data = NULL;
	buf->len = buf->cap = 0;
	buf->failed = false;
	return text;
}

void ms_secret_buf_wipe(struct ms_secret_buf *buf)
{
	ms_wipe(buf->data, buf->cap);
	free(buf->data);
	buf->data = NULL;
	buf->len = buf->cap = 0;
	buf->failed = false;
}
