#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

/* In a child: its ends of the two pipes. */
static int gate_fd = -1, ready_fd = -1;

void crowd_gate(void)
{
	char byte = 'r';

	while (write(ready_fd, &byte, 1) < 0 && errno == EINTR)
		;
	while (read(gate_fd, &byte, 1) < 0 && errno == EINTR)
		;
}

void crowd_begin(struct crowd *crowd)
{
	crowd->n = 0;
	ck_assert_int_eq(pipe(crowd->gate), 0);
	ck_assert_int_eq(pipe(crowd->ready), 0);
}

void crowd_spawn(struct crowd *crowd, crowd_fn fn, void *arg)
{
	pid_t pid;

	ck_assert_int_lt(crowd->n, CROWD_MAX);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(crowd->gate[1]);
		close(crowd->ready[0]);
		gate_fd = crowd->gate[0];
		ready_fd = crowd->ready[1];
		_exit(fn(arg) & 0xff);
	}
	crowd->pid[crowd->n++] = pid;
}

/* Until n bytes came, or every child closed its end. */
static void await_ready(struct crowd *crowd)
{
	char byte;
	int got = 0;
	ssize_t r;

	close(crowd->ready[1]);
	while (got < crowd->n &&
	       ((r = read(crowd->ready[0], &byte, 1)) > 0 || errno == EINTR))
		got += r > 0;
	close(crowd->ready[0]);
}

void crowd_finish(struct crowd *crowd, int results[])
{
	int status;

	await_ready(crowd);
	close(crowd->gate[0]);
	close(crowd->gate[1]);
	for (int i = 0; i < crowd->n; i++) {
		results[i] = -1;
		while (waitpid(crowd->pid[i], &status, 0) < 0)
			ck_assert_int_eq(errno, EINTR);
		if (WIFEXITED(status))
			results[i] = WEXITSTATUS(status);
	}
}

int crowd_count(const int results[], int n, int value)
{
	int count = 0;

	for (int i = 0; i < n; i++)
		count += results[i] == value;
	return count;
}
