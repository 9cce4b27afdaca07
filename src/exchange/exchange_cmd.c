/* exchange_cmd.c — `tickflow exchange` (being built on the net branch). */
#include <stdio.h>

#include "cmd.h"

int tf_cmd_exchange(int argc, char **argv)
{
	fprintf(stderr, "tickflow exchange: not built yet\n");
	return TF_EXIT_FAILURE;
}
