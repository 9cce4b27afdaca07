/* opt.c — see opt.h. */
#include "base/opt.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

#define MAX_CONFIG_BYTES (1 << 20)
#define MAX_NAME 64

/* Loaded config files, edited in place; option values point into them, so they live until
 * tf_opt_release. A list, because `tickflow up` parses one command after another from one file. */
typedef struct config_text {
	struct config_text *next;
	char text[];
} config_text;
static config_text *g_configs;
static pthread_mutex_t g_configs_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *g_config_path;
static const char *g_log_level;
static const char *g_log_format;

static tf_opt common_opts[] = {
	{"config", TF_OPT_STR, NULL, "read options from FILE (name = value lines, [command] sections)", &g_config_path, 0, 0, NULL},
	{"log-level", TF_OPT_CHOICE, "info", "log verbosity", &g_log_level, 0, 0, "error|warn|info|debug|trace"},
	{"log-format", TF_OPT_CHOICE, "text", "log line format on stderr", &g_log_format, 0, 0, "text|json"},
	{NULL, 0, NULL, NULL, NULL, 0, 0, NULL},
};

static void usage_error(const char *cmd, const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "tickflow %s: ", cmd);
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\n");
}

tf_err tf_parse_duration(const char *s, int64_t *ms)
{
	if (!s || !isdigit((unsigned char)*s))
		return TF_ERR_USAGE;
	errno = 0;
	char *end;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno)
		return TF_ERR_USAGE;
	int64_t unit;
	if (strcmp(end, "ms") == 0)
		unit = 1;
	else if (strcmp(end, "s") == 0)
		unit = 1000;
	else if (strcmp(end, "m") == 0)
		unit = 60000;
	else if (strcmp(end, "h") == 0)
		unit = 3600000;
	else if (strcmp(end, "d") == 0)
		unit = 86400000;
	else
		return TF_ERR_USAGE;
	if (n > (unsigned long long)(INT64_MAX / unit))
		return TF_ERR_USAGE;
	*ms = (int64_t)n * unit;
	return TF_OK;
}

static tf_err parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "yes") || !strcmp(s, "on"))
		*out = true;
	else if (!strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "no") || !strcmp(s, "off"))
		*out = false;
	else
		return TF_ERR_USAGE;
	return TF_OK;
}

static int choice_ok(const char *choices, const char *v)
{
	size_t len = strlen(v);
	for (const char *p = choices; *p;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		if (n == len && strncmp(p, v, n) == 0)
			return 1;
		if (!bar)
			break;
		p = bar + 1;
	}
	return 0;
}

/* Stores text value v into o's output; prints a usage line naming where it came from. */
static tf_err set_value(const char *cmd, const tf_opt *o, const char *v, const char *from)
{
	char what[160];
	snprintf(what, sizeof what, "%s --%s", from, o->name);
	switch (o->type) {
	case TF_OPT_STR:
		*(const char **)o->out = v;
		return TF_OK;
	case TF_OPT_CHOICE:
		if (!choice_ok(o->choices, v)) {
			usage_error(cmd, "invalid value '%s' for %s", v, what);
			fprintf(stderr, "  expected one of: %s\n", o->choices);
			return TF_ERR_USAGE;
		}
		*(const char **)o->out = v;
		return TF_OK;
	case TF_OPT_BOOL:
		if (parse_bool(v, (bool *)o->out) != TF_OK) {
			usage_error(cmd, "invalid value '%s' for %s; use true or false", v, what);
			return TF_ERR_USAGE;
		}
		return TF_OK;
	case TF_OPT_INT: {
		errno = 0;
		char *end;
		long long n = strtoll(v, &end, 10);
		if (errno || end == v || *end || (o->min != o->max && (n < o->min || n > o->max))) {
			char range[80] = "";
			if (o->min != o->max)
				snprintf(range, sizeof range, "; use an integer from %lld to %lld", (long long)o->min,
					 (long long)o->max);
			else
				snprintf(range, sizeof range, "; use an integer");
			usage_error(cmd, "invalid value '%s' for %s", v, what);
			fprintf(stderr, "  %s\n", range + 2);
			return TF_ERR_USAGE;
		}
		*(int64_t *)o->out = n;
		return TF_OK;
	}
	case TF_OPT_DOUBLE: {
		errno = 0;
		char *end;
		double d = strtod(v, &end);
		if (errno || end == v || *end || d != d ||
		    (o->min < o->max && (d < (double)o->min || d > (double)o->max))) {
			usage_error(cmd, "invalid value '%s' for %s; use a number in range", v, what);
			return TF_ERR_USAGE;
		}
		*(double *)o->out = d;
		return TF_OK;
	}
	case TF_OPT_DURATION: {
		int64_t ms;
		if (tf_parse_duration(v, &ms) != TF_OK ||
		    (o->min != o->max && (ms < o->min || ms > o->max))) {
			usage_error(cmd, "invalid duration '%s' for %s; write it like 500ms, 20s, 5m, 24h or 7d", v, what);
			return TF_ERR_USAGE;
		}
		*(int64_t *)o->out = ms;
		return TF_OK;
	}
	}
	return TF_ERR_INTERNAL;
}

static const tf_opt *find_in(const tf_opt *opts, const char *name, size_t len)
{
	for (const tf_opt *o = opts; o && o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

static const tf_opt *find_opt(const tf_cmd_spec *spec, const char *name, size_t len)
{
	const tf_opt *o = find_in(spec->opts, name, len);
	return o ? o : find_in(common_opts, name, len);
}

static void env_name(const char *name, char *out, size_t cap)
{
	size_t n = (size_t)snprintf(out, cap, "TICKFLOW_");
	for (; *name && n + 1 < cap; name++)
		out[n++] = *name == '-' ? '_' : (char)toupper((unsigned char)*name);
	out[n] = '\0';
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static tf_err load_config(const tf_cmd_spec *spec, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "tickflow %s: cannot open config file '%s' (%s); check --config or TICKFLOW_CONFIG\n",
			spec->name, path, strerror(errno));
		return TF_ERR_USAGE;
	}
	config_text *ct = malloc(sizeof *ct + MAX_CONFIG_BYTES + 1);
	if (!ct) {
		fclose(f);
		return TF_ERR_NOMEM;
	}
	pthread_mutex_lock(&g_configs_mu);
	ct->next = g_configs;
	g_configs = ct;
	pthread_mutex_unlock(&g_configs_mu);
	char *text = ct->text;
	size_t n = fread(text, 1, MAX_CONFIG_BYTES + 1, f);
	fclose(f);
	if (n > MAX_CONFIG_BYTES) {
		fprintf(stderr, "tickflow %s: config file '%s' is larger than 1 MiB\n", spec->name, path);
		return TF_ERR_USAGE;
	}
	text[n] = '\0';
	if (memchr(text, '\0', n)) {
		fprintf(stderr, "tickflow %s: config file '%s' contains a NUL byte\n", spec->name, path);
		return TF_ERR_USAGE;
	}
	int lineno = 0, in_own = 0, in_other = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *s = trim(line);
		if (!*s)
			continue;
		char where[300];
		snprintf(where, sizeof where, "%s:%d", path, lineno);
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (!close || close[1]) {
				usage_error(spec->name, "%s: bad section header '%s'; write [command]", where, s);
				return TF_ERR_USAGE;
			}
			*close = '\0';
			in_own = strcmp(trim(s + 1), spec->name) == 0;
			in_other = !in_own;
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			usage_error(spec->name, "%s: expected 'name = value', got '%s'", where, s);
			return TF_ERR_USAGE;
		}
		*eq = '\0';
		char *key = trim(s), *val = trim(eq + 1);
		size_t vlen = strlen(val);
		if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
			val[vlen - 1] = '\0';
			val++;
		}
		if (in_other)
			continue;
		const tf_opt *o = find_in(spec->opts, key, strlen(key));
		if (!o && strcmp(key, "log-level") && strcmp(key, "log-format")) {
			if (in_own) {
				usage_error(spec->name, "%s: unknown option '%s' for this command", where, key);
				return TF_ERR_USAGE;
			}
			continue;
		}
		if (!o)
			o = find_in(common_opts, key, strlen(key));
		tf_err err = set_value(spec->name, o, val, where);
		if (err)
			return err;
	}
	return TF_OK;
}

static tf_err apply_defaults(const tf_cmd_spec *spec, const tf_opt *opts)
{
	for (const tf_opt *o = opts; o->name; o++) {
		if (!o->def) {
			if (o->type == TF_OPT_STR || o->type == TF_OPT_CHOICE)
				*(const char **)o->out = NULL;
			else if (o->type == TF_OPT_BOOL)
				*(bool *)o->out = false;
			continue;
		}
		tf_err err = set_value(spec->name, o, o->def, "default of");
		if (err)
			return TF_ERR_INTERNAL; /* a bad default is a bug in the table */
	}
	return TF_OK;
}

static tf_err apply_env(const tf_cmd_spec *spec, const tf_opt *opts)
{
	char name[MAX_NAME + 16];
	for (const tf_opt *o = opts; o->name; o++) {
		if (o == common_opts)
			continue; /* TICKFLOW_CONFIG was read before the file */
		env_name(o->name, name, sizeof name);
		const char *v = getenv(name);
		if (v) {
			char from[MAX_NAME + 32];
			snprintf(from, sizeof from, "environment %s for", name);
			tf_err err = set_value(spec->name, o, v, from);
			if (err)
				return err;
		}
	}
	return TF_OK;
}

/* Finds the value of --config among the flags without applying anything else. */
static const char *scan_config_flag(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], "--config=", 9) == 0)
			return argv[i] + 9;
	}
	return NULL;
}

static tf_err apply_flags(const tf_cmd_spec *spec, int argc, char **argv, tf_opt_outcome *outcome)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			tf_opt_print_help(spec, stdout);
			*outcome = TF_OPT_HELP_SHOWN;
			return TF_OK;
		}
		if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
			usage_error(spec->name, "unexpected argument '%s'%s", arg,
				    "; options start with --, see --help");
			return TF_ERR_USAGE;
		}
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const tf_opt *o = find_opt(spec, name, len);
		const char *value = eq ? eq + 1 : NULL;
		if (!o && len > 3 && strncmp(name, "no-", 3) == 0 && !eq) {
			o = find_opt(spec, name + 3, len - 3);
			if (o && o->type == TF_OPT_BOOL) {
				*(bool *)o->out = false;
				continue;
			}
			o = NULL;
		}
		if (!o) {
			char shown[MAX_NAME + 3];
			snprintf(shown, sizeof shown, "--%.*s", (int)(len < MAX_NAME ? len : MAX_NAME), name);
			usage_error(spec->name, "unknown option '%s'; see 'tickflow %s --help'", shown, spec->name);
			return TF_ERR_USAGE;
		}
		if (!value && o->type == TF_OPT_BOOL) {
			*(bool *)o->out = true;
			continue;
		}
		if (!value) {
			if (i + 1 >= argc) {
				usage_error(spec->name, "option --%s needs a value%s", o->name, "");
				return TF_ERR_USAGE;
			}
			value = argv[++i];
		}
		tf_err err = set_value(spec->name, o, value, "flag");
		if (err)
			return err;
	}
	return TF_OK;
}

tf_err tf_opt_parse(const tf_cmd_spec *spec, int argc, char **argv, tf_opt_outcome *outcome)
{
	*outcome = TF_OPT_RUN;
	tf_err err = apply_defaults(spec, spec->opts);
	if (!err)
		err = apply_defaults(spec, common_opts);
	if (err)
		return err;
	const char *config = scan_config_flag(argc, argv);
	if (!config)
		config = getenv("TICKFLOW_CONFIG");
	if (config && (err = load_config(spec, config)) != TF_OK)
		return err;
	if ((err = apply_env(spec, common_opts)) || (err = apply_env(spec, spec->opts)))
		return err;
	if ((err = apply_flags(spec, argc, argv, outcome)) || *outcome == TF_OPT_HELP_SHOWN)
		return err;
	tf_log_level level;
	tf_log_format format;
	tf_log_parse_level(g_log_level, &level);
	tf_log_parse_format(g_log_format, &format);
	tf_log_setup(level, format, spec->name);
	return TF_OK;
}

static const char *type_hint(const tf_opt *o)
{
	switch (o->type) {
	case TF_OPT_STR: return "VALUE";
	case TF_OPT_INT: return "N";
	case TF_OPT_BOOL: return "";
	case TF_OPT_DURATION: return "DURATION";
	case TF_OPT_DOUBLE: return "X";
	case TF_OPT_CHOICE: return o->choices;
	}
	return "";
}

static void print_opts(const tf_opt *opts, FILE *f)
{
	char env[MAX_NAME + 16], flag[160];
	for (const tf_opt *o = opts; o->name; o++) {
		env_name(o->name, env, sizeof env);
		snprintf(flag, sizeof flag, "--%s %s", o->name, type_hint(o));
		fprintf(f, "  %-34s %s\n", flag, o->help);
		fprintf(f, "  %-34s default: %s; env %s\n", "", o->def ? o->def : "(none)", env);
	}
}

void tf_opt_print_help(const tf_cmd_spec *spec, FILE *f)
{
	fprintf(f, "usage: tickflow %s [options]\n\n%s\n", spec->name, spec->summary);
	if (spec->about)
		fprintf(f, "\n%s\n", spec->about);
	fprintf(f, "\noptions:\n");
	print_opts(spec->opts, f);
	fprintf(f, "\ncommon options:\n");
	print_opts(common_opts, f);
	fprintf(f, "  %-34s show this help\n", "--help");
	fprintf(f, "\nPrecedence: flags, then TICKFLOW_* environment, then --config FILE, then defaults.\n");
}

void tf_opt_release(void)
{
	pthread_mutex_lock(&g_configs_mu);
	while (g_configs) {
		config_text *next = g_configs->next;
		free(g_configs);
		g_configs = next;
	}
	pthread_mutex_unlock(&g_configs_mu);
}
