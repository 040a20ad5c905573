/* How many password hashes the module computed: test_module defines
 * crypt_r itself (exported to the module it dlopens), counts each call
 * and hands it on to libcrypt's. */
#ifndef TESTS_PAM_HASHES_H
#define TESTS_PAM_HASHES_H

/* crypt_r calls of this process since the last hs_reset. */
unsigned hs_count(void);
void hs_reset(void);

#endif
