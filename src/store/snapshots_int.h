/* snapshots_int.h — shared by the snapshot backends (snapshots_sqlite.c, snapshots_pg.c): turns
 * text columns as both databases return them into tf_snapshot rows, and folds candles into one
 * row per symbol for --since reports. */
#ifndef TF_STORE_SNAPSHOTS_INT_H
#define TF_STORE_SNAPSHOTS_INT_H

#include "store/store.h"

typedef struct {
	tf_snapshot *rows;
	size_t n, cap;
	bool candles; /* rows are folded candles (see tf_store_load_candle_summary) */
} tf_snap_list;

/* Snapshot columns, in this order, as text (NULL = absent = 0 / ""). */
enum { SNAP_SYMBOL, SNAP_OPEN, SNAP_HIGH, SNAP_LOW, SNAP_LAST, SNAP_VOLUME, SNAP_QUOTE_VOLUME, SNAP_PCT,
       SNAP_TRADES, SNAP_CLOSE_TIME, SNAP_DEAD, SNAP_QUOTE, SNAP_NCOLS };
/* Candle columns, in this order; rows must come ordered by symbol, open_time. */
enum { CND_SYMBOL, CND_OPEN_TIME, CND_OPEN, CND_HIGH, CND_LOW, CND_CLOSE, CND_VOLUME, CND_QUOTE_VOLUME, CND_NCOLS };

/* What a report reads (tf_store_scan_snapshots), in this order; a brief scan stops after dead. */
enum { REP_SYMBOL, REP_OPEN, REP_HIGH, REP_LOW, REP_LAST, REP_QUOTE_VOLUME, REP_QUOTE, REP_DEAD, REP_TRADES, REP_CLOSE_TIME,
       REP_NCOLS, REP_BRIEF_NCOLS = REP_TRADES };
#define REP_BRIEF_COLS "symbol,open,high,low,last,quote_volume,quote,dead"
#define REP_SELECT_COLS REP_BRIEF_COLS ",trades,close_time"

#define SNAP_SELECT_COLS "symbol,open,high,low,last,volume,quote_volume,price_change_pct,trades,close_time,dead,quote"
#define CND_SELECT_COLS "symbol,open_time,open,high,low,close,volume,quote_volume"

/* Adds one row (l->candles: folds it into the symbol's row); col[i] is NULL or len[i] bytes of
 * text. TF_ERR_PARSE names the bad column in s->error; TF_ERR_TOO_BIG past TF_SNAPSHOT_MAX_ROWS;
 * TF_ERR_NOMEM. */
tf_err tf_snap_list_add(tf_store *s, tf_snap_list *l, const char *const *col, const int *len);

/* Fills r from the report's text columns REP_SYMBOL..REP_QUOTE (NULL = absent = 0 / ""); the
 * integer columns are left to the caller. TF_ERR_PARSE names the bad column in s->error. */
tf_err tf_snap_fill_report(tf_store *s, tf_snapshot *r, const char *const *col, const int *len);
/* Parses an integer column ([-]digits, at most 18; NULL = 0). TF_ERR_PARSE names it in s->error. */
tf_err tf_snap_int(tf_store *s, const char *v, int len, const char *name, int64_t *out);

/* Parses one line of `COPY (SELECT REP_SELECT_COLS ...) TO STDOUT` text output (tab-separated,
 * backslash escapes, \N for NULL, an optional trailing newline) into r; with brief, of
 * REP_BRIEF_COLS (trades and close_time set to 0). TF_ERR_PARSE (s->error says why) for a wrong
 * field count or a malformed value. snapshots_pg.c; a fuzz target covers it. */
tf_err tf_snap_copy_row(tf_store *s, char *line, int len, bool brief, tf_snapshot *r);

/* Formats a decimal as text for an INSERT/COPY (exactly 8 decimals). */
void tf_snap_dec(tf_dec v, char out[TF_DEC_STR_MAX]);

#endif
