/* No copy of a secret stays behind in freed memory when the library builds
 * an otpauth URI or a record's text. This program brings its own
 * allocator, which never reuses memory and leaves what is freed as it
 * was (glibc takes an executable's malloc for every library's, its own
 * included), so that every byte ever allocated can be searched afterwards.
 * Exit 0, 1 on a copy found, 77 under a sanitizer (which needs its own). */
#include "config.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "record.h"
#include "secure.h"
#include "totp.h"

#if defined(__SANITIZE_ADDRESS__)
int main(void)
{
	puts("SKIP: the sanitizer brings its own allocator");
	return 77;
}
#else

#define ARENA_BYTES ((size_t)256 << 20)
#define ALIGN 16

static unsigned char *arena, *arena_end, *next_free;

/* Each block starts with its size, so that realloc can copy it. */
static void *arena_alloc(size_t size, size_t align)
{
	unsigned char *block;

	if (!arena) {
		arena = mmap(NULL, ARENA_BYTES, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (arena == MAP_FAILED)
			abort();
		next_free = arena;
		arena_end = arena + ARENA_BYTES;
	}
	block = next_free + ALIGN;
	block += (align - (uintptr_t)block % align) % align;
	if (size > (size_t)(arena_end - block))
		return NULL;
	memcpy(block - sizeof(size), &size, sizeof(size));
	next_free = block + size;
	return block;
}

static size_t block_size(const void *block)
{
	size_t size;

	memcpy(&size, (const unsigned char *)block - sizeof(size), sizeof(size));
	return size;
}

void *malloc(size_t size) { return arena_alloc(size, ALIGN); }
/* Fresh mmap memory is zero and never handed out twice. */
void *calloc(size_t n, size_t size)
{
	return size && n > SIZE_MAX / size ? NULL : malloc(n * size);
}
void free(void *block) { (void)block; }
size_t malloc_usable_size(void *block) { return block ? block_size(block) : 0; }

void *realloc(void *old, size_t size)
{
	void *block = malloc(size);
	size_t old_size = old ? block_size(old) : 0;

	if (block && old)
		memcpy(block, old, old_size < size ? old_size : size);
	return block;
}

void *aligned_alloc(size_t align, size_t size)
{
	return arena_alloc(size, align > ALIGN ? align : ALIGN);
}
void *memalign(size_t align, size_t size) { return aligned_alloc(align, size); }
int posix_memalign(void **out, size_t align, size_t size)
{
	*out = aligned_alloc(align, size);
	return *out ? 0 : 12 /* ENOMEM */;
}

/* Copies of `secret` among the bytes allocated since `from`. */
static unsigned copies_since(const unsigned char *from, const char *secret)
{
	size_t len = strlen(secret);
	unsigned copies = 0;

	for (const unsigned char *p = from; p + len <= next_free; p++)
		if (memcmp(p, secret, len) == 0)
			copies++;
	return copies;
}

#define SECRET "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ"

static int uri_leaves_no_copy(void)
{
	struct ms_totp totp = { SECRET, MS_SHA1, 6, 30 };
	struct ms_error err = { 0 };
	const unsigned char *from = next_free;
	char *uri = NULL;
	unsigned copies;

	if (ms_totp_uri(&totp, "Mail", "alice@example.com", &uri, &err) != MS_OK) {
		printf("FAIL ms_totp_uri: %s\n", err.msg);
		return 1;
	}
	ms_free_secret(uri);
	copies = copies_since(from, SECRET);
	printf("%s ms_totp_uri: %u copies of the secret left in freed memory\n",
	       copies ? "FAIL" : "ok  ", copies);
	return copies != 0;
}

/* Parsing a record leaves copies of it (libconfig's scanner copies the
 * text into buffers it frees as they are); formatting parses what it
 * wrote, once, and must leave no more copies than that parse does. */
static int record_leaves_no_more_than_its_parse(void)
{
	static struct ms_record record, back;
	static char text_copy[8192];
	struct ms_error err = { 0 };
	const unsigned char *from = next_free;
	unsigned formatted, parsed;
	char *text = NULL;

	record.non_webmail_access = true;
	strcpy(record.password, "$5$rounds=1000$salt$hash");
	record.totp.status = MS_TOTP_ENABLED;
	strcpy(record.totp.secret, SECRET);
	record.totp.algorithm = MS_SHA1;
	record.totp.digits = 6;
	record.totp.period = 30;
	if (ms_record_format(&record, &text, &err) != MS_OK ||
	    strlen(text) >= sizeof(text_copy)) {
		printf("FAIL ms_record_format: %s\n", err.msg);
		return 1;
	}
	strcpy(text_copy, text);
	ms_free_secret(text);
	formatted = copies_since(from, SECRET);
	from = next_free;
	if (ms_record_parse(text_copy, "record", &back, &err) != MS_OK) {
		printf("FAIL ms_record_parse: %s\n", err.msg);
		return 1;
	}
	ms_record_wipe(&back);
	parsed = copies_since(from, SECRET);
	printf("%s ms_record_format: %u copies of the secret left in freed "
	       "memory, its parse %u\n", formatted > parsed ? "FAIL" : "ok  ",
	       formatted, parsed);
	return formatted > parsed;
}

int main(void)
{
	int failed;

	free(malloc(1)); /* the arena, before the first mark */
	failed = uri_leaves_no_copy();
	failed |= record_leaves_no_more_than_its_parse();
	return failed ? 1 : 0;
}
#endif
