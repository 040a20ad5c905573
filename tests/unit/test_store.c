/* The store: safe opening of files, atomic replacement, file names. The
 * per-mailbox lock is in test_lock.c. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "name.h"
#include "secure.h"
#include "store.h"
#include "suites.h"

/* ms_file_read of th.users/FILE; `data` stays NULL on failure. */
static enum ms_status read_file(const char *file, char **data, size_t *len,
				struct ms_error *err)
{
	*data = NULL;
	memset(err, 0, sizeof(*err));
	return ms_file_read(th.store.users_fd, th.users, file, data, len, err);
}

/* `file` in th.users is refused with `want`, handing out nothing. */
static void assert_read_refused(const char *file, enum ms_status want,
				const char *why)
{
	struct ms_error err;
	char *data;
	size_t len;

	ck_assert_int_eq(read_file(file, &data, &len, &err), want);
	ck_assert_ptr_null(data);
	ck_assert_int_eq(err.status, want);
	ck_assert_msg(th_has(err.msg, why), "\"%s\" lacks \"%s\"", err.msg, why);
}

static void user_path(char path[PATH_MAX], const char *file)
{
	ts_path(path, PATH_MAX, th.users, file, NULL);
}

START_TEST(read_whole_file)
{
	char path[PATH_MAX], *data;
	struct ms_error err;
	size_t len;

	user_path(path, "a.conf");
	ts_write_str(path, "version = 1;\n", 0600);
	ck_assert_int_eq(read_file("a.conf", &data, &len, &err), MS_OK);
	ck_assert_uint_eq(len, 13);
	ck_assert_str_eq(data, "version = 1;\n");
	ms_free_secret(data);
}
END_TEST

START_TEST(read_absent_is_not_found)
{
	assert_read_refused("none.conf", MS_NOT_FOUND, "none.conf");
}
END_TEST

START_TEST(read_refuses_symlink)
{
	char target[PATH_MAX], link[PATH_MAX];

	/* A good file behind the link: the link itself is what is refused. */
	user_path(target, "target.conf");
	ts_write_str(target, "secret\n", 0600);
	user_path(link, "link.conf");
	ck_assert_int_eq(symlink(target, link), 0);
	assert_read_refused("link.conf", MS_SYSTEM, "symbolic link");
	/* Also one leaving the directory. */
	user_path(link, "passwd.conf");
	ck_assert_int_eq(symlink("/etc/passwd", link), 0);
	assert_read_refused("passwd.conf", MS_SYSTEM, "symbolic link");
}
END_TEST

START_TEST(replace_does_not_write_through_symlink)
{
	char target[PATH_MAX], link[PATH_MAX], *text;
	struct ms_error err = { 0 };

	user_path(target, "target.conf");
	ts_write_str(target, "old\n", 0600);
	user_path(link, "link.conf");
	ck_assert_int_eq(symlink(target, link), 0);
	ck_assert_int_eq(ms_file_replace(th.store.users_fd, th.users,
					 "link.conf", "new\n", 4, &err),
			 MS_OK);
	/* The link was replaced by a file; its target is untouched. */
	ck_assert_uint_eq(ts_mode(link), 0600);
	text = ts_read(target, NULL);
	ck_assert_str_eq(text, "old\n");
	free(text);
}
END_TEST

START_TEST(read_refuses_fifo_and_dir)
{
	char path[PATH_MAX];

	/* Would block a reader forever if it were opened without care. */
	user_path(path, "fifo.conf");
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	assert_read_refused("fifo.conf", MS_SYSTEM, "not a regular file");
	user_path(path, "dir.conf");
	ck_assert_int_eq(mkdir(path, 0700), 0);
	assert_read_refused("dir.conf", MS_SYSTEM, "not a regular file");
}
END_TEST

START_TEST(read_refuses_writable_by_others)
{
	static const mode_t modes[] = { 0620, 0602, 0666, 0660 };
	char path[PATH_MAX], *data;
	struct ms_error err;
	size_t len;

	user_path(path, "w.conf");
	for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++) {
		ts_write_str(path, "x\n", modes[i]);
		assert_read_refused("w.conf", MS_SYSTEM, "writable");
	}
	/* Readable by others is the admin's business, not a refusal. */
	ts_write_str(path, "x\n", 0644);
	ck_assert_int_eq(read_file("w.conf", &data, &len, &err), MS_OK);
	ms_free_secret(data);
}
END_TEST

START_TEST(read_refuses_foreign_owner)
{
	char path[PATH_MAX];

	/* Only root can give a file away. */
	user_path(path, "f.conf");
	ts_write_str(path, "x\n", 0600);
	ck_assert_int_eq(chown(path, 65534, 65534), 0);
	assert_read_refused("f.conf", MS_SYSTEM, "owned by uid 65534");
}
END_TEST

START_TEST(read_size_cap)
{
	char path[PATH_MAX], *big = malloc(MS_FILE_MAX + 1), *data;
	struct ms_error err;
	size_t len;

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', MS_FILE_MAX + 1);
	user_path(path, "big.conf");
	ts_write(path, big, MS_FILE_MAX, 0600);
	ck_assert_int_eq(read_file("big.conf", &data, &len, &err), MS_OK);
	ck_assert_uint_eq(len, MS_FILE_MAX);
	ms_free_secret(data);

	ts_write(path, big, MS_FILE_MAX + 1, 0600);
	free(big);
	assert_read_refused("big.conf", MS_SYSTEM, "larger than");
}
END_TEST

START_TEST(read_refuses_nul_byte)
{
	char path[PATH_MAX];

	user_path(path, "nul.conf");
	ts_write(path, "version = 1;\0password = \"x\";\n", 29, 0600);
	assert_read_refused("nul.conf", MS_INVALID, "NUL");
}
END_TEST

/* ms_file_replace of r.conf under `mask`; the umask is put back. */
static enum ms_status replace_with_umask(mode_t mask, const char *text,
					 struct ms_error *err)
{
	mode_t old = umask(mask);
	enum ms_status status = ms_file_replace(th.store.users_fd, th.users,
						"r.conf", text, strlen(text),
						err);

	umask(old);
	return status;
}

/* A file that ends before the size fstat gave (cut by a writer in place)
 * is refused, not taken whole. A sysfs attribute says 4096 bytes and holds
 * a few: the same reads, where there is one. */
START_TEST(read_refuses_file_shorter_than_its_size)
{
	static const char path[] = "/sys/class/net/lo/address";
	struct ms_error err = { 0 };
	struct stat st;
	char *data = NULL;
	size_t len = 0;

	if (stat(path, &st) != 0 || st.st_size < 64)
		return;
	ck_assert_int_eq(ms_file_read_path(path, &data, &len, &err), MS_SYSTEM);
	ck_assert_msg(th_has(err.msg, "shrank while being read"), "%s", err.msg);
	ck_assert_ptr_null(data);
}
END_TEST

START_TEST(replace_writes_0600_without_temp_files)
{
	char path[PATH_MAX], *text;
	struct ms_error err = { 0 };

	user_path(path, "r.conf");
	/* Neither a loose umask nor one narrower than 0600 decides. */
	ck_assert_int_eq(replace_with_umask(0, "one\n", &err), MS_OK);
	ck_assert_uint_eq(ts_mode(path), 0600);
	ck_assert_int_eq(replace_with_umask(0277, "two\n", &err), MS_OK);
	ck_assert_uint_eq(ts_mode(path), 0600);
	/* Replacing a file with looser bits tightens them. */
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(replace_with_umask(022, "three\n", &err), MS_OK);
	ck_assert_uint_eq(ts_mode(path), 0600);
	text = ts_read(path, NULL);
	ck_assert_str_eq(text, "three\n");
	free(text);
	ck_assert_uint_eq(ts_count_prefix(th.users, ".tmp-"), 0);
}
END_TEST

START_TEST(create_never_replaces)
{
	char path[PATH_MAX], *text;
	struct ms_error err = { 0 };

	user_path(path, "c.conf");
	ck_assert_int_eq(ms_file_create(th.store.users_fd, th.users, "c.conf",
					"first\n", 6, &err),
			 MS_OK);
	ck_assert_int_eq(ms_file_create(th.store.users_fd, th.users, "c.conf",
					"second\n", 7, &err),
			 MS_EXISTS);
	ck_assert_int_eq(err.status, MS_EXISTS);
	text = ts_read(path, NULL);
	ck_assert_str_eq(text, "first\n");
	free(text);
	ck_assert_uint_eq(ts_mode(path), 0600);
	ck_assert_uint_eq(ts_count_prefix(th.users, ".tmp-"), 0);
}
END_TEST

/* In a child: replaces r.conf with `len` bytes while files may not grow
 * past 4 KiB; exits with the status. */
static void replace_limited_child(size_t len)
{
	struct rlimit limit = { .rlim_cur = 4096, .rlim_max = 4096 };
	struct ms_error err = { 0 };
	char *data = malloc(len);
	enum ms_status status;

	if (!data || setrlimit(RLIMIT_FSIZE, &limit) != 0)
		_exit(100);
	/* write() then fails with EFBIG instead of a fatal signal. */
	signal(SIGXFSZ, SIG_IGN);
	memset(data, 'n', len);
	status = ms_file_replace(th.store.users_fd, th.users, "r.conf", data,
				 len, &err);
	free(data);
	_exit((int)status);
}

START_TEST(failed_replace_keeps_old_file)
{
	char path[PATH_MAX], *text;
	struct ms_error err = { 0 };
	int wstatus = 0;
	pid_t pid;

	user_path(path, "r.conf");
	ck_assert_int_eq(ms_file_replace(th.store.users_fd, th.users, "r.conf",
					 "old\n", 4, &err),
			 MS_OK);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		replace_limited_child(16384);
	ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
	ck_assert(WIFEXITED(wstatus));
	ck_assert_int_eq(WEXITSTATUS(wstatus), MS_SYSTEM);
	text = ts_read(path, NULL);
	ck_assert_str_eq(text, "old\n");
	free(text);
	ck_assert_uint_eq(ts_count_prefix(th.users, ".tmp-"), 0);
}
END_TEST

START_TEST(remove_file)
{
	char path[PATH_MAX];
	struct ms_error err = { 0 };

	user_path(path, "gone.conf");
	ts_write_str(path, "x\n", 0600);
	ck_assert_int_eq(ms_file_remove(th.store.users_fd, th.users,
					"gone.conf", &err),
			 MS_OK);
	ck_assert_uint_eq(ts_mode(path), (mode_t)-1);
	ck_assert_int_eq(ms_file_remove(th.store.users_fd, th.users,
					"gone.conf", &err),
			 MS_NOT_FOUND);
}
END_TEST

START_TEST(file_names)
{
	char name[MS_NAME_MAX + 1] = "";
	char out[MS_FILE_NAME_MAX];

	ms_file_name("alice@x.com", "lock", out, sizeof(out));
	ck_assert_str_eq(out, "alice@x.com.lock");
	ck_assert(ms_file_name_parse("alice@x.com.conf", "conf", name,
				     sizeof(name)));
	ck_assert_str_eq(name, "alice@x.com");
	ck_assert(ms_file_name_parse("bob.state", "state", name, sizeof(name)));
	ck_assert_str_eq(name, "bob");
	/* Temp files, odd names, other suffixes and non-canonical names are
	 * not records. */
	ck_assert(!ms_file_name_parse(".tmp-abc", "conf", name, sizeof(name)));
	ck_assert(!ms_file_name_parse(".tmp-abc.conf", "conf", name,
				      sizeof(name)));
	ck_assert(!ms_file_name_parse("bad name.conf", "conf", name,
				      sizeof(name)));
	ck_assert(!ms_file_name_parse("Alice.conf", "conf", name, sizeof(name)));
	ck_assert(!ms_file_name_parse("alice.conf", "state", name,
				      sizeof(name)));
	ck_assert(!ms_file_name_parse("alice.conf~", "conf", name,
				      sizeof(name)));
	ck_assert(!ms_file_name_parse(".conf", "conf", name, sizeof(name)));
	ck_assert(!ms_file_name_parse("conf", "conf", name, sizeof(name)));
	/* A name that does not fit the caller's buffer is not cut. */
	ck_assert(!ms_file_name_parse("alice.conf", "conf", name, 5));
}
END_TEST

Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *files = th_tcase_store("files");

	ts_add_files_test(files, read_whole_file);
	ts_add_files_test(files, read_absent_is_not_found);
	ts_add_files_test(files, read_refuses_symlink);
	ts_add_files_test(files, replace_does_not_write_through_symlink);
	ts_add_files_test(files, read_refuses_fifo_and_dir);
	ts_add_files_test(files, read_refuses_writable_by_others);
	if (ts_pg())
		ts_skip("read_refuses_foreign_owner", "file store only");
	else
		ts_add_root_test(files, read_refuses_foreign_owner);
	ts_add_files_test(files, read_size_cap);
	ts_add_files_test(files, read_refuses_nul_byte);
	ts_add_files_test(files, read_refuses_file_shorter_than_its_size);
	ts_add_files_test(files, replace_writes_0600_without_temp_files);
	ts_add_files_test(files, create_never_replaces);
	ts_add_files_test(files, failed_replace_keeps_old_file);
	ts_add_files_test(files, remove_file);
	ts_add_files_test(files, file_names);
	suite_add_tcase(s, files);
	suite_add_tcase(s, tcase_store_dirs());
	suite_add_tcase(s, tcase_store_lock());
	suite_add_tcase(s, tcase_store_files());
	return s;
}
