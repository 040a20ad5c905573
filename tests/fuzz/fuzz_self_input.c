/* mailsecctl self's standard input reader (self_input.c), which runs as
 * root on what the webmail's user sends. The input reaches it through a
 * pipe on fd 0, closed at its end, as sudo hands it over.
 *
 * Input: byte 0's low bit says whether the command takes a line of its own
 * (passwd's new password); the rest is standard input. */
#include "config.h"

#include <unistd.h>

#include "fuzz.h"
#include "self_input.h"

static void feed_stdin(const uint8_t *data, size_t size)
{
	int fds[2];

	/* A pipe holds 64 KiB: libFuzzer's inputs fit without a reader. */
	FUZZ_CHECK(pipe(fds) == 0);
	FUZZ_CHECK(write(fds[1], data, size) == (ssize_t)size);
	close(fds[1]);
	FUZZ_CHECK(dup2(fds[0], STDIN_FILENO) == STDIN_FILENO);
	close(fds[0]);
}

/* Accepted input is its lines joined by newlines, with at most one newline
 * after the last; no line is too long or holds a NUL or a newline. */
static void check_lines(const struct self_input *input, const uint8_t *data,
			size_t size)
{
	size_t at = 0;

	FUZZ_CHECK(input->n_lines >= 0 && input->n_lines <= SELF_INPUT_LINES);
	for (int i = 0; i < input->n_lines; i++) {
		size_t len = strlen(input->lines[i]);

		FUZZ_CHECK(len <= SECRET_INPUT_MAX);
		FUZZ_CHECK(!memchr(input->lines[i], '\n', len));
		FUZZ_CHECK(at + len <= size &&
			   memcmp(data + at, input->lines[i], len) == 0);
		at += len;
		FUZZ_CHECK(at == size || data[at] == '\n');
		at += at < size;
	}
	FUZZ_CHECK(at == size);
}

/* The stack gets the lines before the command's own, in order, once. */
static void check_answers(struct self_input *input, bool own)
{
	int for_stack = input->n_lines - (own ? 1 : 0);

	FUZZ_CHECK(input->n_for_stack == for_stack);
	FUZZ_CHECK(!own || (input->own == input->lines[input->n_lines - 1] &&
			    input->own[0] != '\0'));
	FUZZ_CHECK(own || !input->own);
	for (int i = 0; i < for_stack; i++) {
		FUZZ_CHECK(self_input_unused(input));
		FUZZ_CHECK(self_input_answer(input) == input->lines[i]);
	}
	FUZZ_CHECK(!self_input_unused(input));
	FUZZ_CHECK(!self_input_answer(input));
}

static bool all_zero(const void *bytes, size_t len)
{
	const unsigned char *p = bytes;

	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct self_input input;
	struct ms_error err = { 0 };
	bool own;

	if (size < 1)
		return 0;
	own = data[0] & 1;
	feed_stdin(data + 1, size - 1);
	if (self_input_read(&input, own ? "new password" : NULL, &err) ==
	    MS_OK) {
		check_lines(&input, data + 1, size - 1);
		check_answers(&input, own);
	} else {
		/* Refused input leaves nothing behind. */
		FUZZ_CHECK(err.status == MS_INVALID && err.msg[0]);
		FUZZ_CHECK(all_zero(&input, sizeof(input)));
	}
	self_input_wipe(&input);
	return 0;
}
