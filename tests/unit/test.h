/* test.h — a small unit-test harness.
 *
 *   TF_TEST(dec_parses_binance_prices) { TF_CHECK(x == 1); TF_CHECK_EQ_INT(a, b); ... }
 *
 * Tests register themselves at load time; tests/unit/main.c runs them (all, or those whose name
 * contains argv[1]) and ends with "N passed, N failed". A failed check prints file:line and the
 * expression and ends that test. TF_SAMPLES is the path of ../shared/samples (env TF_SAMPLES_DIR). */
#ifndef TF_TEST_H
#define TF_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*tf_test_fn)(void);
void tf_test_register(const char *name, tf_test_fn fn);
void tf_test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int tf_test_failed(void);
const char *tf_test_samples_dir(void);
/* Reads ../shared/samples/<name> (or any path if name starts with '/'); caller frees. NULL on error. */
char *tf_test_read_sample(const char *name, size_t *len);

#define TF_TEST(name)                                                            \
	static void name(void);                                                  \
	__attribute__((constructor)) static void register_##name(void)           \
	{                                                                        \
		tf_test_register(#name, name);                                   \
	}                                                                        \
	static void name(void)

#define TF_CHECK(cond)                                                           \
	do {                                                                     \
		if (!(cond)) {                                                   \
			tf_test_fail(__FILE__, __LINE__, "check failed: %s", #cond); \
			return;                                                  \
		}                                                                \
	} while (0)

#define TF_CHECK_EQ_INT(a, b)                                                    \
	do {                                                                     \
		long long a_ = (long long)(a), b_ = (long long)(b);              \
		if (a_ != b_) {                                                  \
			tf_test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_); \
			return;                                                  \
		}                                                                \
	} while (0)

#define TF_CHECK_EQ_STR(a, b)                                                    \
	do {                                                                     \
		const char *a_ = (a), *b_ = (b);                                 \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                         \
			tf_test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, \
				     a_ ? a_ : "(null)", b_ ? b_ : "(null)");    \
			return;                                                  \
		}                                                                \
	} while (0)

/* Compares a length-delimited byte range with a C string. */
#define TF_CHECK_EQ_MEM(p, n, s)                                                 \
	do {                                                                     \
		const char *p_ = (const char *)(p), *s_ = (s);                   \
		size_t n_ = (n);                                                 \
		if (n_ != strlen(s_) || memcmp(p_, s_, n_) != 0) {               \
			tf_test_fail(__FILE__, __LINE__, "%s == \"%s\": got \"%.*s\"", #p, s_, \
				     (int)(n_ > 200 ? 200 : n_), p_ ? p_ : "");  \
			return;                                                  \
		}                                                                \
	} while (0)

#endif
