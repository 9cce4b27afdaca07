/* cmd.h — the entry points of tickflow's commands, one per subsystem, dispatched from main.c.
 * Each takes argv with argv[0] = the command name and returns the process exit code:
 * 0 ok, 1 runtime failure, 2 usage error. */
#ifndef TF_CMD_H
#define TF_CMD_H

enum { TF_EXIT_OK = 0, TF_EXIT_FAILURE = 1, TF_EXIT_USAGE = 2 };

int tf_cmd_exchange(int argc, char **argv);  /* src/exchange/exchange_cmd.c */
int tf_cmd_ingest(int argc, char **argv);    /* src/feed/ingest_cmd.c */
int tf_cmd_broker(int argc, char **argv);    /* src/broker/broker_cmd.c */
int tf_cmd_stream(int argc, char **argv);    /* src/engine/stream_cmd.c */
int tf_cmd_collect(int argc, char **argv);   /* src/batch/collect_cmd.c */
int tf_cmd_report(int argc, char **argv);    /* src/batch/report_cmd.c */

int tf_cmd_serve(int argc, char **argv);     /* src/web/serve_cmd.c */
int tf_cmd_up(int argc, char **argv);        /* src/up/up_cmd.c: all of the above in one process */

#endif
