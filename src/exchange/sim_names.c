/* sim_names.c — the simulator's symbol catalogue: real Binance spot names with realistic price
 * levels, tick sizes and activity first, then synthetic but plausible names (ZAKOUSDT, RINUXBTC, …)
 * up to the requested count, plus a few stock-like symbols for the Yahoo chart endpoint. Names
 * depend only on the index, so every seed lists the same symbols. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "exchange/sim_int.h"

typedef struct {
	const char *base, *quote;
	double price;     /* in quote units */
	int64_t tick;     /* 1e-8 units */
	double sigma_day; /* daily log volatility */
	double tps;       /* trades per second */
} real_symbol;

/* Price levels and tick sizes as Binance spot had them in 2024; activity roughly by rank. */
static const real_symbol real[] = {
	{"BTC", "USDT", 65000, 1000000, 0.025, 25},   {"ETH", "USDT", 3400, 1000000, 0.032, 15},
	{"BNB", "USDT", 580, 1000000, 0.030, 5},      {"SOL", "USDT", 150, 1000000, 0.045, 10},
	{"XRP", "USDT", 0.52, 10000, 0.040, 6},       {"ADA", "USDT", 0.45, 10000, 0.042, 3},
	{"DOGE", "USDT", 0.15, 1000, 0.055, 8},       {"TRX", "USDT", 0.12, 1000, 0.020, 1.5},
	{"AVAX", "USDT", 35, 1000000, 0.050, 3},      {"DOT", "USDT", 7, 100000, 0.045, 2},
	{"LINK", "USDT", 15, 100000, 0.048, 3},       {"MATIC", "USDT", 0.7, 10000, 0.050, 2},
	{"LTC", "USDT", 80, 1000000, 0.035, 2},       {"SHIB", "USDT", 0.00002, 1, 0.055, 3},
	{"PEPE", "USDT", 0.0000075, 1, 0.080, 6},     {"BCH", "USDT", 450, 10000000, 0.040, 1.5},
	{"ATOM", "USDT", 8, 100000, 0.045, 1.5},      {"UNI", "USDT", 9, 100000, 0.050, 1.5},
	{"ETC", "USDT", 27, 1000000, 0.040, 1.2},     {"XLM", "USDT", 0.11, 10000, 0.035, 1},
	{"NEAR", "USDT", 6, 100000, 0.055, 2.5},      {"FIL", "USDT", 5.5, 100000, 0.050, 1.2},
	{"APT", "USDT", 9, 100000, 0.055, 1.5},       {"ARB", "USDT", 1.1, 10000, 0.055, 2},
	{"OP", "USDT", 2.5, 100000, 0.055, 1.5},      {"INJ", "USDT", 25, 1000000, 0.065, 1.5},
	{"SUI", "USDT", 1.2, 10000, 0.065, 2},        {"WIF", "USDT", 2.4, 10000, 0.090, 3},
	{"FET", "USDT", 1.6, 10000, 0.070, 2},        {"TON", "USDT", 6.5, 100000, 0.050, 1},
	{"ETH", "BTC", 0.052, 1000, 0.020, 3},        {"BNB", "BTC", 0.0089, 100, 0.022, 0.8},
	{"SOL", "BTC", 0.0023, 10, 0.035, 1},         {"XRP", "BTC", 0.0000081, 1, 0.035, 0.6},
	{"ADA", "BTC", 0.0000069, 1, 0.035, 0.4},     {"LTC", "BTC", 0.00123, 100, 0.025, 0.4},
	{"DOGE", "BTC", 0.0000023, 1, 0.045, 0.5},    {"LINK", "BTC", 0.00023, 10, 0.040, 0.5},
	{"DOT", "BTC", 0.000108, 10, 0.040, 0.3},     {"AVAX", "BTC", 0.00054, 10, 0.040, 0.3},
	{"BNB", "ETH", 0.17, 10000, 0.022, 0.3},      {"LINK", "ETH", 0.0044, 100, 0.035, 0.2},
	{"BTC", "FDUSD", 65000, 1000000, 0.025, 20},  {"ETH", "FDUSD", 3400, 1000000, 0.032, 8},
	{"SOL", "FDUSD", 150, 1000000, 0.045, 4},     {"BTC", "EUR", 60000, 1000000, 0.025, 3},
	{"ETH", "EUR", 3150, 1000000, 0.032, 1.5},    {"EUR", "USDT", 1.08, 100000, 0.004, 1.5},
	{"BTC", "TRY", 2100000, 100000000, 0.026, 4}, {"USDT", "TRY", 32.5, 1000000, 0.003, 4},
	{"FDUSD", "USDT", 1.0, 10000, 0.0008, 3},     {"USDC", "USDT", 1.0, 10000, 0.0005, 3},
	{"BTC", "USDC", 65000, 1000000, 0.025, 4},    {"ETH", "USDC", 3400, 1000000, 0.032, 2},
	{"BNB", "FDUSD", 580, 1000000, 0.030, 1},     {"XRP", "FDUSD", 0.52, 10000, 0.040, 1},
	{"DOGE", "FDUSD", 0.15, 1000, 0.055, 1},      {"SHIB", "TRY", 0.00065, 1, 0.055, 0.5},
	{"AVAX", "TRY", 1140, 1000000, 0.050, 0.4},   {"SOL", "TRY", 4900, 1000000, 0.045, 0.6},
};

#define NREAL ((int)(sizeof real / sizeof real[0]))

/* The value in USDT of one unit of each quote asset, to size trades and lots. */
static double quote_usd(const char *quote)
{
	if (!strcmp(quote, "BTC"))
		return 65000;
	if (!strcmp(quote, "ETH"))
		return 3400;
	if (!strcmp(quote, "BNB"))
		return 580;
	if (!strcmp(quote, "TRY"))
		return 1 / 32.5;
	if (!strcmp(quote, "EUR"))
		return 1.08;
	return 1;
}

/* Lot (quantity step) worth about a cent to a dollar, as Binance's step sizes are; never below
 * 1e-8. The median trade is then about 150 dollars: hundreds to tens of thousands of lots. */
static void size_trades(tf_sim_entry *e, double usd_price, tf_sim_rng *r)
{
	double want = 0.01 / usd_price;
	int k = (int)ceil(log10(want));
	if (k < -8)
		k = -8;
	int64_t lot = 1;
	for (int i = -8; i < k; i++)
		lot *= 10;
	e->lot = lot;
	double lot_usd = usd_price * (double)lot / 1e8;
	e->notional = 150.0 * exp(0.8 * tf_sim_normal(r)) / lot_usd;
	if (e->notional < 1)
		e->notional = 1;
}

/* Tick so that a price has four to five significant digits, as on Binance. */
static int64_t tick_for(double price)
{
	int k = (int)floor(log10(price)) - 4; /* 10^k in quote units */
	if (k < -8)
		k = -8;
	int64_t tick = 1;
	for (int i = -8; i < k; i++)
		tick *= 10;
	return tick;
}

static const char *syllables[] = {"ZA", "KO", "RI", "NU", "VE", "LO", "MI", "TA", "QU", "XE",
				  "DY", "FI", "SO", "PE", "GA", "BRA", "TRO", "ZE", "KA", "NI",
				  "HO", "LU", "SI", "MO", "RA", "VO", "TE", "JU", "WA", "CY"};
static const char *endings[] = {"", "X", "N", "R", "S", "T", "", "M", "", "K"};
#define NSYL ((int)(sizeof syllables / sizeof syllables[0]))

/* Quote assets of synthetic symbols in rough Binance proportions. */
static const char *synthetic_quote(uint64_t h)
{
	int p = (int)(h % 100);
	return p < 55 ? "USDT" : p < 75 ? "BTC" : p < 85 ? "FDUSD" : p < 90 ? "ETH" : p < 95 ? "TRY" : "BNB";
}

static int name_taken(const tf_sim_entry *out, int n, const char *symbol)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(out[i].symbol, symbol))
			return 1;
	return 0;
}

/* Next synthetic name for slot `i`, trying index-derived candidates until one is new. Names are
 * checked against the symbols made so far (quadratic, but n <= 5000 runs once at start). */
static void synthetic_name(tf_sim_entry *out, int n, uint64_t *cursor)
{
	for (;;) {
		uint64_t x = (*cursor)++;
		uint64_t h = tf_sim_splitmix64(&x);
		int nsyl = 2 + (int)(h % 2);
		char base[10] = "";
		size_t len = 0;
		for (int j = 0; j < nsyl; j++) {
			const char *s = syllables[(h >> (8 + 5 * j)) % NSYL];
			size_t sl = strlen(s);
			memcpy(base + len, s, sl);
			len += sl;
		}
		const char *end = endings[(h >> 40) % 10];
		if (len + strlen(end) > 7)
			end = "";
		memcpy(base + len, end, strlen(end) + 1);
		const char *quote = synthetic_quote(h >> 48);
		char symbol[16];
		snprintf(symbol, sizeof symbol, "%s%s", base, quote);
		if (name_taken(out, n, symbol))
			continue;
		snprintf(out[n].symbol, sizeof out[n].symbol, "%s", symbol);
		snprintf(out[n].base, sizeof out[n].base, "%s", base);
		snprintf(out[n].quote, sizeof out[n].quote, "%s", quote);
		return;
	}
}

tf_err tf_sim_catalogue(uint64_t seed, int n, tf_sim_entry *out)
{
	tf_sim_rng r;
	tf_sim_rng_seed(&r, seed ^ 0x63617461u);
	uint64_t cursor = 1;
	for (int i = 0; i < n; i++) {
		tf_sim_entry *e = &out[i];
		memset(e, 0, sizeof *e);
		double usd;
		if (i < NREAL) {
			const real_symbol *s = &real[i];
			snprintf(e->symbol, sizeof e->symbol, "%s%s", s->base, s->quote);
			snprintf(e->base, sizeof e->base, "%s", s->base);
			snprintf(e->quote, sizeof e->quote, "%s", s->quote);
			e->price = s->price * exp(0.05 * tf_sim_normal(&r));
			e->tick = s->tick;
			e->sigma_day = s->sigma_day * exp(0.1 * tf_sim_normal(&r));
			e->tps = s->tps * exp(0.2 * tf_sim_normal(&r));
		} else {
			synthetic_name(out, i, &cursor);
			usd = exp(log(1e-5) + (log(200) - log(1e-5)) * tf_sim_uniform(&r));
			e->price = usd / quote_usd(e->quote);
			if (e->price < 2e-6)
				e->price = 2e-6 * (1 + tf_sim_uniform(&r));
			e->tick = tick_for(e->price);
			e->sigma_day = exp(log(0.015) + (log(0.10) - log(0.015)) * tf_sim_uniform(&r));
			e->tps = exp(log(0.02) + (log(3.0) - log(0.02)) * tf_sim_uniform(&r));
		}
		usd = e->price * quote_usd(e->quote);
		size_trades(e, usd, &r);
	}
	return TF_OK;
}

static const struct {
	const char *symbol;
	double price, sigma_day;
} stocks[] = {
	{"AAPL", 190, 0.015}, {"MSFT", 420, 0.014}, {"GOOGL", 170, 0.017}, {"AMZN", 180, 0.019},
	{"NVDA", 880, 0.030}, {"TSLA", 180, 0.035}, {"META", 480, 0.022}, {"SPY", 520, 0.009},
};

int tf_sim_stock_catalogue(uint64_t seed, tf_sim_entry *out, int max)
{
	tf_sim_rng r;
	tf_sim_rng_seed(&r, seed ^ 0x73746f636bu);
	int n = (int)(sizeof stocks / sizeof stocks[0]);
	if (n > max)
		n = max;
	for (int i = 0; i < n; i++) {
		tf_sim_entry *e = &out[i];
		memset(e, 0, sizeof *e);
		snprintf(e->symbol, sizeof e->symbol, "%s", stocks[i].symbol);
		snprintf(e->base, sizeof e->base, "%s", stocks[i].symbol);
		snprintf(e->quote, sizeof e->quote, "USD");
		e->price = stocks[i].price * exp(0.05 * tf_sim_normal(&r));
		e->tick = 1000000; /* 0.01 USD */
		e->lot = 100000000; /* one share */
		e->sigma_day = stocks[i].sigma_day;
		e->tps = 2;
		e->notional = 50 * exp(0.5 * tf_sim_normal(&r));
		e->stock = 1;
	}
	return n;
}
