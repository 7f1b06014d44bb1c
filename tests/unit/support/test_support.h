/* tests/unit/support/test_support.h - helpers shared by the unit tests. */
#ifndef ZOO_TEST_SUPPORT_H
#define ZOO_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "zoo/zoo.h"

/* A context with the plugins of the build tree this test binary belongs to
 * (<dir of the test binary>/../plugins). Fails the test on error. */
zoo_ctx *test_ctx_new(void);

/* The build directory (<dir of the test binary>/..), e.g. "build". */
const char *test_build_dir(char *buf, size_t size);

/* ../shared relative to the repo root, or NULL if absent (tests then skip). */
const char *test_shared_dir(char *buf, size_t size);

/* A fresh empty temporary directory (mkdtemp under $TMPDIR or /tmp). */
const char *test_tmpdir(char *buf, size_t size);
/* rm -rf of a directory created by test_tmpdir. */
void test_rmtree(const char *dir);

/* Deterministic pseudo-random numbers (xorshift), state owned by the caller. */
typedef struct test_rng { uint64_t s; } test_rng;
uint32_t test_rng_u32(test_rng *r);
float test_rng_uniform(test_rng *r, float lo, float hi);
int test_rng_int(test_rng *r, int lo, int hi); /* inclusive */

/* Path of the test venv's python (env ZOO_PY, set by tests/run_tests.sh), or NULL. */
const char *test_python(void);

#endif
