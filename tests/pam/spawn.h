/* Child processes (fork) held at a gate so that they go on together; each
 * reports one small int through its exit status. */
#ifndef TESTS_PAM_SPAWN_H
#define TESTS_PAM_SPAWN_H

#include <sys/types.h>

#define CROWD_MAX 64

struct crowd {
	int gate[2];  /* children block reading gate[0] until it is closed */
	int ready[2]; /* each child writes one byte when it reaches the gate */
	pid_t pid[CROWD_MAX];
	int n;
};

typedef int (*crowd_fn)(void *arg);

void crowd_begin(struct crowd *crowd);

/* Forks a child that exits with fn(arg). fn calls crowd_gate() where the
 * children are to be in step. Children must not use ck_assert. */
void crowd_spawn(struct crowd *crowd, crowd_fn fn, void *arg);

/* In a child: says it is ready, then blocks until the gate opens. */
void crowd_gate(void);

/* Waits until every child is at the gate (or gone), opens it, and reaps
 * every child: results[i] is child i's exit status, or -1 when it did not
 * exit normally. */
void crowd_finish(struct crowd *crowd, int results[]);

int crowd_count(const int results[], int n, int value);

#endif
