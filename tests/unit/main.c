/* main.c — runs the registered unit tests; see test.h. */
#include <stdarg.h>
#include <stdlib.h>

#include "test.h"

#define MAX_TESTS 2048

struct test_entry {
	const char *name;
	tf_test_fn fn;
};
static struct test_entry tests[MAX_TESTS];
static int ntests, current_failed;

void tf_test_register(const char *name, tf_test_fn fn)
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "too many tests; raise MAX_TESTS\n");
		abort();
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

void tf_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stdout, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fprintf(stdout, "\n");
	current_failed = 1;
}

int tf_test_failed(void)
{
	return current_failed;
}

const char *tf_test_samples_dir(void)
{
	const char *d = getenv("TF_SAMPLES_DIR");
	return d ? d : "../shared/samples";
}

char *tf_test_read_sample(const char *name, size_t *len)
{
	char path[1024];
	if (name[0] == '/')
		snprintf(path, sizeof path, "%s", name);
	else
		snprintf(path, sizeof path, "%s/%s", tf_test_samples_dir(), name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)n + 1);
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	if (p) {
		p[n] = '\0';
		*len = (size_t)n;
	}
	return p;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct test_entry *)a)->name, ((const struct test_entry *)b)->name);
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;
	qsort(tests, (size_t)ntests, sizeof tests[0], by_name);
	for (int i = 0; i < ntests; i++) {
		if (filter && !strstr(tests[i].name, filter))
			continue;
		current_failed = 0;
		tests[i].fn();
		printf("%s %s\n", current_failed ? "FAIL" : "ok  ", tests[i].name);
		fflush(stdout);
		if (current_failed)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
