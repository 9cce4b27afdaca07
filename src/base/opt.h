/* opt.h — command options from flags, environment and a config file.
 *
 * Every command describes its options in one table; the same table drives parsing, validation and
 * `--help`. Precedence: flags > TICKFLOW_<NAME> environment > --config FILE > built-in default.
 * The options --config, --log-level, --log-format and --help are added to every command.
 *
 * Config file: "name = value" lines, '#' comments, optional "[command]" sections. Keys at the top
 * apply to every command that has such an option; keys in a command's own section must be known to
 * it. Values stay valid until tf_opt_release(). */
#ifndef TF_BASE_OPT_H
#define TF_BASE_OPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

typedef enum {
	TF_OPT_STR,      /* out: const char ** */
	TF_OPT_INT,      /* out: int64_t *, bounded by [min, max] unless both are 0 */
	TF_OPT_BOOL,     /* out: bool *; --name, --no-name, --name=true|false */
	TF_OPT_DURATION, /* out: int64_t * in ms; "500ms", "20s", "5m", "24h", "7d" */
	TF_OPT_DOUBLE,   /* out: double *, bounded like INT when min < max */
	TF_OPT_CHOICE,   /* out: const char **; one of choices "a|b|c" */
} tf_opt_type;

typedef struct {
	const char *name;    /* "max-conn-age": flag --max-conn-age, env TICKFLOW_MAX_CONN_AGE */
	tf_opt_type type;
	const char *def;     /* default as text; NULL leaves a string NULL ("unset") */
	const char *help;
	void *out;
	int64_t min, max;
	const char *choices;
} tf_opt;

typedef struct {
	const char *name;    /* "exchange" */
	const char *summary; /* one line for `tickflow help` */
	const char *about;   /* paragraph for `tickflow <cmd> --help`, may be NULL */
	tf_opt *opts;        /* terminated by an entry with name == NULL */
} tf_cmd_spec;

typedef enum { TF_OPT_RUN, TF_OPT_HELP_SHOWN } tf_opt_outcome;

/* Parses argv (argv[0] is the command name) into spec->opts' outputs and sets up logging.
 * On TF_ERR_USAGE one line naming the option and the fix has been printed to stderr.
 * *outcome is TF_OPT_HELP_SHOWN when --help was given (help went to stdout). */
tf_err tf_opt_parse(const tf_cmd_spec *spec, int argc, char **argv, tf_opt_outcome *outcome);

void tf_opt_print_help(const tf_cmd_spec *spec, FILE *f);

/* Parses "250ms", "20s", "5m", "24h", "7d" into ms. */
tf_err tf_parse_duration(const char *s, int64_t *ms);

/* Frees config file values; call once the command has returned. */
void tf_opt_release(void);

#endif
