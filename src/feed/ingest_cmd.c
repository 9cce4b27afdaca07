/* ingest_cmd.c — `tickflow ingest` (being built on the feed branch). */
#include <stdio.h>

#include "cmd.h"

int tf_cmd_ingest(int argc, char **argv)
{
	fprintf(stderr, "tickflow ingest: not built yet\n");
	return TF_EXIT_FAILURE;
}
