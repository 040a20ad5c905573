#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

#include "tree.h"

/* Descriptors nftw may hold open: one a level is plenty for test trees. */
#define OPEN_DIRS_MAX 16

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void ts_remove_tree(const char *dir)
{
	nftw(dir, remove_one, OPEN_DIRS_MAX, FTW_DEPTH | FTW_PHYS);
}
