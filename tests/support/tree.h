/* Removing a temp tree, for every test program (the bench as well:
 * nothing here needs Check). */
#ifndef TESTS_SUPPORT_TREE_H
#define TESTS_SUPPORT_TREE_H

/* Removes `dir` and all below it without following symlinks; a missing
 * tree is fine. */
void ts_remove_tree(const char *dir);

#endif
