#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "apppass.h"
#include "secure.h"
#include "when.h"

#define SALT_BYTES 16
#define HASH_BYTES 32
#define DIGEST_PREFIX "blake2b$"
#define DIGEST_LEN (sizeof(DIGEST_PREFIX) - 1 + 2 * SALT_BYTES + 1 + 2 * HASH_BYTES)

_Static_assert(DIGEST_LEN < MS_APP_DIGEST_MAX, "digest field too small");
_Static_assert(SALT_BYTES >= crypto_generichash_KEYBYTES_MIN,
	       "the salt is a BLAKE2b key");

const char *const ms_app_default_services[] = { "imap", "pop3", "smtp", NULL };

void ms_app_generate(char shown[MS_APP_SHOWN_MAX])
{
	size_t at = 0;

	for (unsigned i = 0; i < MS_APP_LETTERS; i++) {
		if (i && i % 4 == 0)
			shown[at++] = ' ';
		shown[at++] = (char)('a' + randombytes_uniform(26));
	}
	shown[at] = '\0';
}

bool ms_app_normalise(const char *given, char out[MS_APP_LETTERS + 1])
{
	size_t n = 0;

	out[0] = '\0';
	if (!given)
		return false;
	for (; *given; given++) {
		if (*given == ' ')
			continue;
		if (*given < 'a' || *given > 'z' || n == MS_APP_LETTERS) {
			ms_wipe(out, MS_APP_LETTERS + 1);
			return false;
		}
		out[n++] = *given;
	}
	out[n] = '\0';
	return n == MS_APP_LETTERS;
}

static void hash(const char *normalised, const unsigned char salt[SALT_BYTES],
		 unsigned char out[HASH_BYTES])
{
	crypto_generichash(out, HASH_BYTES, (const unsigned char *)normalised,
			   strlen(normalised), salt, SALT_BYTES);
}

enum ms_status ms_app_digest(const char *normalised,
			     char digest[MS_APP_DIGEST_MAX],
			     struct ms_error *err)
{
	unsigned char salt[SALT_BYTES], sum[HASH_BYTES];
	char salt_hex[2 * SALT_BYTES + 1], sum_hex[2 * HASH_BYTES + 1];

	randombytes_buf(salt, sizeof(salt));
	hash(normalised, salt, sum);
	sodium_bin2hex(salt_hex, sizeof(salt_hex), salt, sizeof(salt));
	sodium_bin2hex(sum_hex, sizeof(sum_hex), sum, sizeof(sum));
	snprintf(digest, MS_APP_DIGEST_MAX, DIGEST_PREFIX "%s$%s", salt_hex,
		 sum_hex);
	ms_wipe(sum, sizeof(sum));
	ms_wipe(sum_hex, sizeof(sum_hex));
	if (strlen(digest) != DIGEST_LEN)
		return ms_fail(err, MS_SYSTEM, "cannot make an app password digest");
	return MS_OK;
}

/* The salt and hash of a digest ms_app_digest_valid accepted. */
static bool digest_split(const char *stored, unsigned char salt[SALT_BYTES],
			 unsigned char sum[HASH_BYTES])
{
	const char *at = stored + sizeof(DIGEST_PREFIX) - 1;
	size_t got = 0;

	if (strlen(stored) != DIGEST_LEN ||
	    strncmp(stored, DIGEST_PREFIX, sizeof(DIGEST_PREFIX) - 1) != 0 ||
	    at[2 * SALT_BYTES] != '$')
		return false;
	if (sodium_hex2bin(salt, SALT_BYTES, at, 2 * SALT_BYTES, NULL, &got,
			   NULL) != 0 || got != SALT_BYTES)
		return false;
	at += 2 * SALT_BYTES + 1;
	return sodium_hex2bin(sum, HASH_BYTES, at, 2 * HASH_BYTES, NULL, &got,
			      NULL) == 0 && got == HASH_BYTES;
}

bool ms_app_digest_valid(const char *digest)
{
	unsigned char salt[SALT_BYTES], sum[HASH_BYTES];

	if (strlen(digest) != DIGEST_LEN)
		return false;
	/* Lower-case hex only: one password, one spelling of its digest. */
	for (const char *c = digest + sizeof(DIGEST_PREFIX) - 1; *c; c++)
		if (!(*c == '$' || (*c >= '0' && *c <= '9') ||
		      (*c >= 'a' && *c <= 'f')))
			return false;
	return digest_split(digest, salt, sum);
}

bool ms_app_digest_matches(const char *normalised, const char *stored)
{
	unsigned char salt[SALT_BYTES], want[HASH_BYTES], got[HASH_BYTES];
	bool same;

	if (!digest_split(stored, salt, want))
		return false;
	hash(normalised, salt, got);
	same = crypto_verify_32(got, want) == 0;
	ms_wipe(got, sizeof(got));
	return same;
}

/* The length of the UTF-8 sequence at `s` (1..4), 0 when malformed,
 * overlong, a surrogate or past U+10FFFF. */
static size_t utf8_char(const unsigned char *s, unsigned *code)
{
	size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2
		: s[0] >= 0xe0 && s[0] < 0xf0 ? 3
		: s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : 0;
	static const unsigned min[] = { 0, 0, 0x80, 0x800, 0x10000 };

	if (!len)
		return 0;
	*code = len == 1 ? s[0] : s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*code = (*code << 6) | (s[i] & 0x3f);
	}
	if (*code < min[len] || *code > 0x10ffff ||
	    (*code >= 0xd800 && *code < 0xe000))
		return 0;
	return len;
}

size_t ms_app_name_char(const unsigned char *s)
{
	unsigned code = 0;
	size_t len = utf8_char(s, &code);

	/* C0, DEL and C1 controls: a name is printed in lists and logs. */
	if (!len || code < 0x20 || (code >= 0x7f && code < 0xa0))
		return 0;
	return len;
}

bool ms_app_name_valid(const char *name)
{
	const unsigned char *at = (const unsigned char *)name;
	size_t total = strlen(name);

	if (total == 0 || total >= MS_APP_NAME_MAX)
		return false;
	/* mailsecctl (and so the webmail's revoke) would read it as an option. */
	if (name[0] == '-')
		return false;
	while (*at) {
		size_t len = ms_app_name_char(at);

		if (!len)
			return false;
		at += len;
	}
	return true;
}

bool ms_app_id_valid(const char *id)
{
	if (strlen(id) != MS_APP_ID_MAX - 1)
		return false;
	for (; *id; id++)
		if (!((*id >= '0' && *id <= '9') || (*id >= 'a' && *id <= 'f')))
			return false;
	return true;
}

bool ms_app_service_valid(const char *service)
{
	size_t len = strlen(service);

	if (len == 0 || len >= MS_APP_SERVICE_MAX)
		return false;
	for (; *service; service++)
		if (!((*service >= 'a' && *service <= 'z') ||
		      (*service >= '0' && *service <= '9') ||
		      *service == '.' || *service == '_' || *service == '-'))
			return false;
	return true;
}

/* An address in 16 bytes, IPv4 as IPv4-mapped IPv6; its family's bits. */
static bool parse_address(const char *text, unsigned char out[16],
			  unsigned *bits)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
						  0, 0, 0xff, 0xff };

	if (inet_pton(AF_INET, text, out + 12) == 1) {
		memcpy(out, mapped, sizeof(mapped));
		*bits = 32;
		return true;
	}
	if (inet_pton(AF_INET6, text, out) != 1)
		return false;
	*bits = memcmp(out, mapped, sizeof(mapped)) == 0 ? 32 : 128;
	return true;
}

static bool parse_cidr(const char *cidr, unsigned char net[16],
		       unsigned *prefix, unsigned *family_bits)
{
	char address[MS_APP_CIDR_MAX];
	const char *slash = strchr(cidr, '/');
	char *end = NULL;
	unsigned long bits;

	if (!slash || (size_t)(slash - cidr) >= sizeof(address) || !slash[1] ||
	    slash[1] < '0' || slash[1] > '9')
		return false;
	memcpy(address, cidr, (size_t)(slash - cidr));
	address[slash - cidr] = '\0';
	bits = strtoul(slash + 1, &end, 10);
	if (*end || !parse_address(address, net, family_bits) ||
	    bits > *family_bits)
		return false;
	*prefix = (unsigned)bits + (128 - *family_bits);
	return true;
}

bool ms_app_cidr_valid(const char *cidr)
{
	unsigned char net[16];
	unsigned prefix, family_bits;

	return strlen(cidr) < MS_APP_CIDR_MAX &&
	       parse_cidr(cidr, net, &prefix, &family_bits);
}

bool ms_app_cidr_contains(const char *cidr, const char *address)
{
	unsigned char net[16], addr[16];
	unsigned prefix, net_bits, addr_bits;

	if (!address || !parse_cidr(cidr, net, &prefix, &net_bits) ||
	    !parse_address(address, addr, &addr_bits) || net_bits != addr_bits)
		return false;
	for (unsigned i = 0; i < prefix; i++) {
		unsigned char mask = (unsigned char)(0x80 >> (i % 8));

		if ((net[i / 8] & mask) != (addr[i / 8] & mask))
			return false;
	}
	return true;
}

int ms_app_find(const struct ms_record *record, const char *name)
{
	for (unsigned i = 0; i < record->n_apps; i++)
		if (strcmp(record->apps[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* 64 random bits, unlike every id the mailbox has: a name revoked and
 * added again never inherits the old one's last use. */
static void new_id(const struct ms_record *record, char id[MS_APP_ID_MAX])
{
	unsigned char bytes[(MS_APP_ID_MAX - 1) / 2];
	bool taken;

	do {
		randombytes_buf(bytes, sizeof(bytes));
		sodium_bin2hex(id, MS_APP_ID_MAX, bytes, sizeof(bytes));
		taken = false;
		for (unsigned i = 0; i < record->n_apps; i++)
			taken |= strcmp(record->apps[i].id, id) == 0;
	} while (taken);
}

static enum ms_status copy_list(const char *const *items, const char *what,
				bool (*valid)(const char *), unsigned max,
				size_t size, char *out, unsigned *count,
				struct ms_error *err)
{
	unsigned n = 0;

	for (; items && items[n]; n++) {
		if (n == max)
			return ms_fail(err, MS_INVALID, "more than %u %s", max, what);
		if (!valid(items[n]))
			return ms_fail(err, MS_INVALID, "invalid %s '%s'", what,
				       items[n]);
		for (unsigned j = 0; j < n; j++)
			if (strcmp(out + j * size, items[n]) == 0)
				return ms_fail(err, MS_INVALID, "%s '%s' given twice",
					       what, items[n]);
		strcpy(out + n * size, items[n]);
	}
	*count = n;
	return MS_OK;
}

static enum ms_status check_request(const struct ms_record *record,
				    const struct ms_app_request *request,
				    time_t now, struct ms_error *err)
{
	if (!ms_app_name_valid(request->name))
		return ms_fail(err, MS_INVALID,
			       "an app password name is 1-%d bytes of UTF-8 "
			       "without control characters", MS_APP_NAME_MAX - 1);
	if (ms_app_find(record, request->name) >= 0)
		return ms_fail(err, MS_EXISTS, "app password '%s' exists already",
			       request->name);
	if (record->n_apps >= MS_APP_MAX)
		return ms_fail(err, MS_REFUSED, "a mailbox has at most %d app "
			       "passwords; revoke one first", MS_APP_MAX);
	if (request->expires && request->expires <= (int64_t)now)
		return ms_fail(err, MS_INVALID, "the expiry is not in the future");
	return MS_OK;
}

enum ms_status ms_app_add(struct ms_record *record,
			  const struct ms_app_request *request, time_t now,
			  char shown[MS_APP_SHOWN_MAX], struct ms_error *err)
{
	struct ms_app_password entry;
	char normalised[MS_APP_LETTERS + 1];
	enum ms_status status = check_request(record, request, now, err);

	memset(&entry, 0, sizeof(entry));
	if (status == MS_OK)
		status = copy_list(request->services ? request->services
						     : ms_app_default_services,
				   "service", ms_app_service_valid,
				   MS_APP_SERVICES_MAX, MS_APP_SERVICE_MAX,
				   entry.services[0], &entry.n_services, err);
	if (status == MS_OK)
		status = copy_list(request->from, "address range",
				   ms_app_cidr_valid, MS_APP_FROM_MAX,
				   MS_APP_CIDR_MAX, entry.from[0], &entry.n_from,
				   err);
	if (status == MS_OK && entry.n_services == 0)
		status = ms_fail(err, MS_INVALID, "no service given");
	if (status != MS_OK)
		return status;
	ms_app_generate(shown);
	ms_app_normalise(shown, normalised);
	status = ms_app_digest(normalised, entry.digest, err);
	ms_wipe(normalised, sizeof(normalised));
	if (status != MS_OK) {
		ms_wipe(shown, MS_APP_SHOWN_MAX);
		return status;
	}
	new_id(record, entry.id);
	strcpy(entry.name, request->name);
	entry.created = (int64_t)now;
	entry.expires = request->expires;
	record->apps[record->n_apps++] = entry;
	return MS_OK;
}

enum ms_status ms_app_revoke(struct ms_record *record, const char *name,
			     struct ms_error *err)
{
	int at = ms_app_find(record, name);

	if (at < 0)
		return ms_fail(err, MS_NOT_FOUND, "no app password '%s'", name);
	memmove(&record->apps[at], &record->apps[at + 1],
		(record->n_apps - (unsigned)at - 1) * sizeof(record->apps[0]));
	record->n_apps--;
	ms_wipe(&record->apps[record->n_apps], sizeof(record->apps[0]));
	return MS_OK;
}

unsigned ms_app_revoke_all(struct ms_record *record)
{
	unsigned had = record->n_apps;

	ms_wipe(record->apps, sizeof(record->apps));
	record->n_apps = 0;
	return had;
}

enum ms_status ms_app_parse_expiry(const char *text, time_t now,
				   int64_t *expires, struct ms_error *err)
{
	char *end = NULL;
	unsigned long days;

	/* A date is the last day the password works. */
	if (ms_parse_day(text, expires)) {
		*expires += MS_DAY;
		if (*expires <= (int64_t)now)
			return ms_fail(err, MS_INVALID, "expiry %s is over", text);
		return MS_OK;
	}
	days = text[0] >= '0' && text[0] <= '9' ? strtoul(text, &end, 10) : 0;
	if (!end || *end || days < 1 || days > MS_APP_DAYS_MAX)
		return ms_fail(err, MS_INVALID,
			       "expiry must be YYYY-MM-DD or 1-%d days",
			       MS_APP_DAYS_MAX);
	*expires = (int64_t)now + (int64_t)days * MS_DAY;
	return MS_OK;
}

const char *ms_app_result_reason(enum ms_app_result result)
{
	switch (result) {
	case MS_APP_OK:
		return "app password";
	case MS_APP_OUT_OF_SCOPE:
		return "not for this service";
	case MS_APP_OUT_OF_RANGE:
		return "client address out of range";
	case MS_APP_NO_ADDRESS:
		return "no client address for its range";
	case MS_APP_EXPIRED:
		return "expired";
	case MS_APP_NONE:
		break;
	}
	return "no app password";
}

static bool in_scope(const struct ms_app_password *app, const char *service)
{
	for (unsigned i = 0; i < app->n_services; i++)
		if (service && strcmp(app->services[i], service) == 0)
			return true;
	return false;
}

static enum ms_app_result in_range(const struct ms_app_password *app,
				   const char *rhost)
{
	unsigned char any[16];
	unsigned bits;

	if (app->n_from == 0)
		return MS_APP_OK;
	if (!rhost || !parse_address(rhost, any, &bits))
		return MS_APP_NO_ADDRESS;
	for (unsigned i = 0; i < app->n_from; i++)
		if (ms_app_cidr_contains(app->from[i], rhost))
			return MS_APP_OK;
	return MS_APP_OUT_OF_RANGE;
}

/* Every digest is computed, whichever matched: at most MS_APP_MAX
 * BLAKE2b calls, a few microseconds. */
static int matching_entry(const struct ms_record *record, const char *given)
{
	char normalised[MS_APP_LETTERS + 1];
	int which = -1;

	if (record->n_apps == 0 || !ms_app_normalise(given, normalised))
		return -1;
	for (unsigned i = 0; i < record->n_apps; i++)
		if (ms_app_digest_matches(normalised, record->apps[i].digest) &&
		    which < 0)
			which = (int)i;
	ms_wipe(normalised, sizeof(normalised));
	return which;
}

enum ms_app_result ms_app_check(const struct ms_record *record,
				const char *given, const char *service,
				const char *rhost, time_t now, int *which)
{
	const struct ms_app_password *app;
	enum ms_app_result range;

	*which = matching_entry(record, given);
	if (*which < 0)
		return MS_APP_NONE;
	app = &record->apps[*which];
	if (!in_scope(app, service))
		return MS_APP_OUT_OF_SCOPE;
	range = in_range(app, rhost);
	if (range != MS_APP_OK)
		return range;
	if (app->expires && (int64_t)now >= app->expires)
		return MS_APP_EXPIRED;
	return MS_APP_OK;
}
