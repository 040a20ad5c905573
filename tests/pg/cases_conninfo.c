/* What the conninfo alone decides: no TCP without an authenticated
 * server, no password in it, and nothing taken from the environment. */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver_test.h"

/* A TCP listener on 127.0.0.1 that answers nothing: a server the
 * driver must never reach. */
static int listener(int *port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    listen(fd, 8) != 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
		check(false, "a TCP listener", NULL);
		exit(1);
	}
	*port = ntohs(addr.sin_port);
	return fd;
}

static int reached(int fd)
{
	int count = 0, client;

	while ((client = accept(fd, NULL, NULL)) >= 0) {
		close(client);
		count++;
	}
	return count;
}

static enum ms_status check_with(const char *info, unsigned timeout_ms,
				 struct ms_error *err)
{
	struct ms_db_config config = { info, timeout_ms, MS_DB_ADMIN };
	struct ms_db *db = NULL;
	char report[256];
	enum ms_status got = drv->open(&config, &db, err);

	if (got == MS_OK)
		got = drv->schema(db, MS_DB_SCHEMA_CHECK, NULL, report,
				  sizeof(report), err);
	drv->close(db);
	return got;
}

static void refused_tcp(int fd, const char *info, const char *what)
{
	struct ms_error err = { 0 };

	check_status(check_with(info, 300, &err), MS_INVALID, &err,
		     "a connection over TCP needs sslmode=verify-full", what);
	check(reached(fd) == 0, "... and nothing was sent", info);
}

static void refused_password(const char *info, const char *secret,
			     const char *what)
{
	struct ms_error err = { 0 };

	check_status(check_with(info, 300, &err), MS_INVALID, &err,
		     "the conninfo holds a password (put it in a passfile)",
		     what);
	check(!strstr(err.msg, secret), "... never its value", err.msg);
}

static void case_tcp(int fd, int port)
{
	char info[512];
	struct ms_error err = { 0 };

	printf("\n== conninfo: TCP needs an authenticated server\n");
	snprintf(info, sizeof(info), "host=127.0.0.1 port=%d dbname=mailsec"
		 " user=mailsec_admin", port);
	refused_tcp(fd, info, "a TCP host: refused");
	snprintf(info, sizeof(info), "host=localhost port=%d dbname=mailsec"
		 " user=mailsec_admin sslmode=require", port);
	refused_tcp(fd, info, "sslmode=require: refused");
	snprintf(info, sizeof(info), "host=%s,127.0.0.1 port=%d dbname=mailsec"
		 " user=mailsec_admin sslmode=verify-ca", sock_dir, port);
	refused_tcp(fd, info, "a socket, then a TCP host: refused");
	snprintf(info, sizeof(info), "host=%s hostaddr=127.0.0.1 port=%d"
		 " dbname=mailsec user=mailsec_admin", sock_dir, port);
	refused_tcp(fd, info, "hostaddr: refused");
	snprintf(info, sizeof(info), "postgresql://mailsec_admin@127.0.0.1:%d"
		 "/mailsec", port);
	refused_tcp(fd, info, "a URI with a TCP host: refused");
	snprintf(info, sizeof(info), "service=drvtest dbname=mailsec");
	refused_tcp(fd, info, "a service (its file may name a host): refused");
	snprintf(info, sizeof(info), "host=127.0.0.1 port=%d dbname=mailsec"
		 " user=mailsec_admin sslmode=verify-full", port);
	check_status(check_with(info, 300, &err), MS_SYSTEM, &err, NULL,
		     "sslmode=verify-full: tried");
	check(reached(fd) == 1, "... the server was asked", err.msg);
	snprintf(info, sizeof(info), "host=@drvtest-abstract dbname=mailsec"
		 " user=mailsec_admin requirepeer=postgres");
	check_status(check_with(info, 300, &err), MS_SYSTEM, &err, NULL,
		     "an abstract socket is no TCP: tried");
	check_status(check_with(conninfo("mailsec_admin", "drvtest_sock"), 3000,
				&err),
		     MS_OK, &err, NULL, "the socket directory: connects");
	check_status(check_with("drvtest_nosuchdb", 300, &err), MS_SYSTEM,
		     &err, NULL, "a database name alone: tried (libpq's default)");
}

/* A socket's name anyone may take first: only requirepeer checks who
 * answers there. */
static void case_socket_squat(void)
{
	char info[1024], open_dir[256];
	struct ms_error err = { 0 };

	printf("\n== conninfo: a socket anyone could make needs requirepeer\n");
	snprintf(info, sizeof(info), "host=@drvtest-abstract dbname=mailsec"
		 " user=mailsec_admin");
	check_status(check_with(info, 300, &err), MS_INVALID, &err,
		     "the abstract socket @drvtest-abstract may be bound by"
		     " anyone: add requirepeer=USER",
		     "an abstract socket without requirepeer: refused");
	snprintf(open_dir, sizeof(open_dir), "%s/../drvtest_open", sock_dir);
	if (mkdir(open_dir, 0700) != 0 || chmod(open_dir, 01777) != 0) {
		check(false, "a directory anyone may write to", open_dir);
		return;
	}
	snprintf(info, sizeof(info), "host=%s dbname=mailsec"
		 " user=mailsec_admin", open_dir);
	check_status(check_with(info, 300, &err), MS_INVALID, &err,
		     "is writable by anyone: add requirepeer=USER (the"
		     " server's system user)",
		     "a world-writable socket directory: refused");
	snprintf(info, sizeof(info), "host=%s,%s dbname=mailsec"
		 " user=mailsec_admin", sock_dir, open_dir);
	check_status(check_with(info, 300, &err), MS_INVALID, &err,
		     "is writable by anyone", "... second in a list: refused");
	snprintf(info, sizeof(info), "host=%s dbname=mailsec"
		 " user=mailsec_admin requirepeer=postgres", open_dir);
	check_status(check_with(info, 300, &err), MS_SYSTEM, &err, NULL,
		     "... with requirepeer: tried");
	check(strstr(err.msg, "writable") == NULL, "... not refused", err.msg);
	rmdir(open_dir);
	snprintf(info, sizeof(info), "host=%s/../drvtest_none dbname=mailsec"
		 " user=mailsec_admin", sock_dir);
	check_status(check_with(info, 300, &err), MS_SYSTEM, &err, NULL,
		     "a socket directory that does not exist: tried");
}

static void case_password(void)
{
	char info[512];

	printf("\n== conninfo: no password\n");
	snprintf(info, sizeof(info), "host=%s dbname=mailsec user=mailsec_admin"
		 " password=caught1", sock_dir);
	refused_password(info, "caught1", "password=: refused");
	snprintf(info, sizeof(info), "host=%s dbname='mailsec'password=caught2"
		 " user=mailsec_admin", sock_dir);
	refused_password(info, "caught2",
			 "password= right after a quoted value: refused");
	snprintf(info, sizeof(info), "postgresql://a:pa?ss@localhost/mailsec");
	refused_password(info, "pa?ss", "a URI's password with a '?': refused");
	snprintf(info, sizeof(info), "postgresql:///mailsec?host=%s"
		 "&password=caught3", sock_dir);
	refused_password(info, "caught3", "a URI's password parameter: refused");
}

/* libpq's GSSAPI looks for credentials on a TCP connection before the
 * startup packet; the Kerberos library then reads its KRB5* variables
 * (KRB5CCNAME, KRB5_CONFIG, KRB5_TRACE: a file it writes shows it did). */
static void case_kerberos(int fd, int port)
{
	char info[512], trace[600];
	struct ms_error err = { 0 };

	snprintf(trace, sizeof(trace), "%s/../drvtest_krb5_trace", sock_dir);
	unlink(trace);
	setenv("KRB5_TRACE", trace, 1);
	snprintf(info, sizeof(info), "host=127.0.0.1 port=%d dbname=mailsec"
		 " user=mailsec_admin sslmode=verify-full", port);
	check_status(check_with(info, 300, &err), MS_SYSTEM, &err, NULL,
		     "KRB5_TRACE set, a TCP server that answers nothing");
	reached(fd);
	check(access(trace, F_OK) != 0, "... the Kerberos library did not see"
	      " KRB5_TRACE", trace);
	check(getenv("KRB5_TRACE") && strcmp(getenv("KRB5_TRACE"), trace) == 0,
	      "... and it is back", NULL);
	unsetenv("KRB5_TRACE");
	unlink(trace);
}

/* The environment libpq would read: every variable must be back as it
 * was after the driver connected. */
static void case_environment(int fd, int port)
{
	char value[32], services[600];
	struct ms_error err = { 0 };
	FILE *file;

	printf("\n== conninfo: the environment chooses nothing\n");
	snprintf(value, sizeof(value), "%d", port);
	setenv("PGHOSTADDR", "127.0.0.1", 1);
	setenv("PGPORT", value, 1);
	check_status(check_with(conninfo("mailsec_admin", "drvtest_env"), 3000,
				&err),
		     MS_OK, &err, NULL, "PGHOSTADDR, PGPORT: the conninfo's server");
	check(reached(fd) == 0, "... not theirs", NULL);
	check(getenv("PGHOSTADDR") && strcmp(getenv("PGPORT"), value) == 0,
	      "... and they are back", NULL);
	unsetenv("PGHOSTADDR");
	unsetenv("PGPORT");

	snprintf(services, sizeof(services), "%s/../drvtest_services", sock_dir);
	file = fopen(services, "w");
	check(file != NULL, "a service file", services);
	if (!file)
		return;
	fprintf(file, "[evil]\nhostaddr=127.0.0.1\nport=%d\n", port);
	fclose(file);
	setenv("PGSERVICEFILE", services, 1);
	setenv("PGSERVICE", "evil", 1);
	check_status(check_with(conninfo("mailsec_admin", "drvtest_env"), 3000,
				&err),
		     MS_OK, &err, NULL,
		     "PGSERVICE, PGSERVICEFILE: the conninfo's server");
	check(reached(fd) == 0, "... not the service's", NULL);
	check(getenv("PGSERVICE") && strcmp(getenv("PGSERVICEFILE"),
					    services) == 0,
	      "... and they are back", NULL);
	unsetenv("PGSERVICEFILE");
	unsetenv("PGSERVICE");
	unlink(services);
	case_kerberos(fd, port);
}

void cases_conninfo(void)
{
	int port, fd = listener(&port);

	case_tcp(fd, port);
	case_socket_squat();
	case_password();
	case_environment(fd, port);
	close(fd);
}
