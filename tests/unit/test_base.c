/* test_base.c — buffers, option precedence, durations. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/opt.h"
#include "test.h"

TF_TEST(buf_refuses_to_grow_past_its_maximum)
{
	tf_buf b;
	tf_buf_init(&b, 8);
	TF_CHECK_EQ_INT(tf_buf_append(&b, "12345", 5), TF_OK);
	TF_CHECK_EQ_INT(tf_buf_append(&b, "6789", 4), TF_ERR_TOO_BIG);
	TF_CHECK_EQ_INT(b.len, 5);
	TF_CHECK_EQ_STR(b.data, "12345");
	TF_CHECK_EQ_INT(tf_buf_appendf(&b, "%d", 678), TF_OK);
	TF_CHECK_EQ_STR(b.data, "12345678");
	tf_buf_consume(&b, 6);
	TF_CHECK_EQ_STR(b.data, "78");
	tf_buf_free(&b);
}

TF_TEST(buf_appendf_formats_in_place_grows_and_refuses_without_damage)
{
	tf_buf b;
	tf_buf_init(&b, 300);
	TF_CHECK_EQ_INT(tf_buf_appendf(&b, "%s", "a"), TF_OK); /* no memory yet: measure, reserve, write */
	TF_CHECK_EQ_INT(tf_buf_appendf(&b, "%d-%s", 42, "b"), TF_OK); /* fits the free room */
	TF_CHECK_EQ_STR(b.data, "a42-b");
	char big[281];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	TF_CHECK_EQ_INT(tf_buf_appendf(&b, "%s", big), TF_OK); /* beyond the first 256 bytes: grows */
	TF_CHECK_EQ_INT(b.len, 285);
	TF_CHECK_EQ_INT(b.data[285], 0);
	TF_CHECK_EQ_INT(tf_buf_appendf(&b, "%s", "0123456789abcdef"), TF_ERR_TOO_BIG); /* past max */
	TF_CHECK_EQ_INT(b.len, 285);
	TF_CHECK_EQ_INT(b.data[285], 0); /* the truncated attempt is undone */
	TF_CHECK_EQ_INT(strncmp(b.data, "a42-bxxx", 8), 0);
	tf_buf_free(&b);
}

TF_TEST(duration_needs_a_unit_and_fits_int64)
{
	int64_t ms;
	TF_CHECK_EQ_INT(tf_parse_duration("20s", &ms), TF_OK);
	TF_CHECK_EQ_INT(ms, 20000);
	TF_CHECK_EQ_INT(tf_parse_duration("24h", &ms), TF_OK);
	TF_CHECK_EQ_INT(ms, 86400000);
	TF_CHECK_EQ_INT(tf_parse_duration("250ms", &ms), TF_OK);
	TF_CHECK_EQ_INT(ms, 250);
	TF_CHECK_EQ_INT(tf_parse_duration("20", &ms), TF_ERR_USAGE);
	TF_CHECK_EQ_INT(tf_parse_duration("-5s", &ms), TF_ERR_USAGE);
	TF_CHECK_EQ_INT(tf_parse_duration("99999999999999999999d", &ms), TF_ERR_USAGE);
}

static const char *o_listen;
static int64_t o_symbols;
static bool o_tls;
static tf_opt test_opts[] = {
	{"listen", TF_OPT_STR, "127.0.0.1:1", "address", &o_listen, 0, 0, NULL},
	{"symbols", TF_OPT_INT, "200", "count", &o_symbols, 1, 5000, NULL},
	{"tls", TF_OPT_BOOL, "false", "tls", &o_tls, 0, 0, NULL},
	{NULL, 0, NULL, NULL, NULL, 0, 0, NULL},
};
static const tf_cmd_spec test_spec = {"testcmd", "a test command", NULL, test_opts};

TF_TEST(opt_flags_beat_environment_beat_config_beat_defaults)
{
	char path[] = "/tmp/tf-opt-XXXXXX";
	int fd = mkstemp(path);
	TF_CHECK(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "# comment\nlisten = 127.0.0.1:3\nsymbols = 7\n[othercmd]\nbogus = 1\n[testcmd]\ntls = true\n");
	fclose(f);
	tf_opt_outcome outcome;
	char *argv0[] = {"testcmd", NULL};
	unsetenv("TICKFLOW_LISTEN");
	TF_CHECK_EQ_INT(tf_opt_parse(&test_spec, 1, argv0, &outcome), TF_OK);
	TF_CHECK_EQ_STR(o_listen, "127.0.0.1:1");
	TF_CHECK_EQ_INT(o_symbols, 200);
	char *argv1[] = {"testcmd", "--config", path, NULL};
	TF_CHECK_EQ_INT(tf_opt_parse(&test_spec, 3, argv1, &outcome), TF_OK);
	TF_CHECK_EQ_STR(o_listen, "127.0.0.1:3");
	TF_CHECK_EQ_INT(o_symbols, 7);
	TF_CHECK(o_tls);
	setenv("TICKFLOW_LISTEN", "127.0.0.1:4", 1);
	TF_CHECK_EQ_INT(tf_opt_parse(&test_spec, 3, argv1, &outcome), TF_OK);
	TF_CHECK_EQ_STR(o_listen, "127.0.0.1:4");
	char *argv2[] = {"testcmd", "--config", path, "--listen=127.0.0.1:5", "--no-tls", NULL};
	TF_CHECK_EQ_INT(tf_opt_parse(&test_spec, 5, argv2, &outcome), TF_OK);
	TF_CHECK_EQ_STR(o_listen, "127.0.0.1:5");
	TF_CHECK(!o_tls);
	unsetenv("TICKFLOW_LISTEN");
	remove(path);
	tf_opt_release();
}

TF_TEST(opt_rejects_unknown_options_and_bad_values)
{
	tf_opt_outcome outcome;
	char *a[] = {"testcmd", "--nope", NULL};
	TF_CHECK_EQ_INT(tf_opt_parse(&test_spec, 2, a, &outcome), TF_ERR_USAGE);
	char *b[] = {"testcmd", "--symbols", "0", NULL};
	TF_CHECK_EQ_INT(tf_opt_parse(&test_spec, 3, b, &outcome), TF_ERR_USAGE);
	char *c[] = {"testcmd", "--symbols", "12x", NULL};
	TF_CHECK_EQ_INT(tf_opt_parse(&test_spec, 3, c, &outcome), TF_ERR_USAGE);
	char *d[] = {"testcmd", "--symbols", NULL};
	TF_CHECK_EQ_INT(tf_opt_parse(&test_spec, 2, d, &outcome), TF_ERR_USAGE);
	char *e[] = {"testcmd", "--log-level", "loud", NULL};
	TF_CHECK_EQ_INT(tf_opt_parse(&test_spec, 3, e, &outcome), TF_ERR_USAGE);
}
