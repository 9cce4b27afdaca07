/* main.c — the tickflow command table: `tickflow <command> [options]`. */
#include <stdio.h>
#include <string.h>

#include "base/opt.h"
#include "cmd.h"

#ifndef TF_VERSION
#define TF_VERSION "0.1.0"
#endif

typedef struct {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
} command;

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const command commands[] = {
	{"up", "everything at once on one machine: exchange simulator, broker, ingest, stream, dashboard", tf_cmd_up},
	{"exchange", "a local Binance-compatible exchange (WebSocket + REST) for offline runs and tests", tf_cmd_exchange},
	{"ingest", "read a market feed (Binance, simulator, replay, Yahoo) and emit one record per update", tf_cmd_ingest},
	{"broker", "durable single-node Kafka-protocol broker (kcat, librdkafka, kafkajs)", tf_cmd_broker},
	{"stream", "the stream engine: event-time candles, indicators and alerts into SQLite or PostgreSQL", tf_cmd_stream},
	{"serve", "dashboard, HTTP API, Server-Sent Events and /metrics over the store", tf_cmd_serve},
	{"collect", "snapshot GET /api/v3/ticker/24hr of every symbol into ticker_snapshots, once or --every", tf_cmd_collect},
	{"report", "market report over the latest snapshot (or --since of candles): HTML file, JSON, e-mail", tf_cmd_report},
	{"help", "show this list, or `tickflow help <command>` for a command's options", cmd_help},
	{"version", "print the version", cmd_version},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const command *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void list_commands(FILE *f)
{
	fprintf(f, "usage: tickflow <command> [options]\n\n"
		   "tickflow is a real-time market-data analytics system in one binary.\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'tickflow <command> --help' for its options and their defaults.\n");
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		list_commands(stdout);
		return TF_EXIT_OK;
	}
	const command *c = find(argv[1]);
	if (!c || c->run == cmd_help || c->run == cmd_version) {
		if (c) {
			list_commands(stdout);
			return TF_EXIT_OK;
		}
		fprintf(stderr, "tickflow: unknown command '%s'; run 'tickflow help' for the list\n", argv[1]);
		return TF_EXIT_USAGE;
	}
	char *args[] = {argv[1], "--help", NULL};
	return c->run(2, args);
}

static int cmd_version(int argc, char **argv)
{
	printf("tickflow %s\n", TF_VERSION);
	return TF_EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		list_commands(stderr);
		return TF_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv);
	const command *c = find(argv[1]);
	if (!c) {
		fprintf(stderr, "tickflow: unknown command '%s'; run 'tickflow help' for the list\n", argv[1]);
		return TF_EXIT_USAGE;
	}
	int rc = c->run(argc - 1, argv + 1);
	tf_opt_release();
	return rc;
}
