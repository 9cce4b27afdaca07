/* decode_mini_fast.c — a specialised one-pass scanner for the hot path: `!miniTicker@arr` frames
 * and the single miniTicker objects that ingest slices out of them (one a Kafka record).
 *
 * DESIGN note. The reference path (tf_json_parse: validation pass + jsmn + token links, then the
 * per-event decoder) is general and explains every rejection precisely, but measured on one core it
 * tops out near 1.5 M miniTicker records/s (bench/bench_decode.c), short of the 3 M target: jsmn
 * alone costs about as much as the whole budget. This file recognises only the exact compact shape
 * Binance sends —
 *     [{"e":"24hrMiniTicker","E":<int>,"s":"<SYM>","c":"<dec>","o":..,"h":..,"l":..,"v":..,"q":..},...]
 * with the nine one-letter keys in any order, each exactly once, no whitespace, no escapes — and
 * decodes it in one pass over the bytes. The same element alone, {"e":"24hrMiniTicker",...} with
 * nothing before or after it, is what the `ticks` topic holds (ingest slices the array, bytes kept),
 * so the stream worker decodes every record through here too; the jsmn path for one record costs
 * three times the whole engine (bench/engine_throughput.c measures both). Anything else (whitespace, another key, an escape, a bad
 * decimal, a long integer, a truncated frame, ...) makes it decline, and tf_market_decode_ws falls
 * back to the reference path, which then decodes the message or rejects it with its precise error.
 *
 * The frame is scanned completely before the first tick is delivered, so declining never leaves a
 * half-delivered message. For every input it accepts, it must produce exactly what the reference path
 * produces: tests/fuzz/fuzz_mini_fast.c checks that differentially, and the unit tests compare the
 * two on the recorded sample. */
#include <stdlib.h>
#include <string.h>

#include "market/market_int.h"

typedef struct {
	uint32_t start, end;  /* the element's bytes */
	uint32_t sym_off;
	uint32_t sym_len;
	int64_t event_time;
	tf_dec v[6];          /* c o h l v q */
} mini_rec;

/* Smallest possible element: {"e":"24hrMiniTicker","E":0,"s":"A","c":"0",..."q":"0"} is 84 bytes. */
#define MINI_MIN_ELEMENT 84
#define MINI_TOKENS_PER_ELEMENT 19

/* tf_tick_symbol_valid's bytes (A-Z 0-9 ^ . = -) as a table: one load per byte instead of a
 * chain of range tests. */
static const bool sym_byte_tab[256] = {
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
	['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1,
	['9'] = 1, ['^'] = 1, ['.'] = 1, ['='] = 1, ['-'] = 1,
};

static inline bool sym_byte(unsigned char c)
{
	return sym_byte_tab[c];
}

static bool dec_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == '.' || c == '-';
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MINI_SWAR 1
/* How many of the 8 bytes at p (all readable) are ASCII digits before the first byte that is not:
 * 0..8. Per byte a = b ^ '0' is 0..9 exactly for digits; a + 0x76 then keeps bit 7 clear, any
 * other byte sets it there or in a itself. A carry out of a byte can only come from a non-digit
 * and only disturbs the bytes above it, so the lowest flagged byte is the first non-digit. */
static inline unsigned lead_digits8(const char *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
	uint64_t a = x ^ 0x3030303030303030ull;
	uint64_t m = ((a + 0x7676767676767676ull) | a) & 0x8080808080808080ull;
	return m ? (unsigned)__builtin_ctzll(m) / 8 : 8;
}

/* The value of the n (1..8) ASCII digits at p, reading the 8 bytes at p: the digits are moved to
 * the top of the word (the bytes below become zeros, i.e. leading zeros) and combined as in
 * eight_digits. */
static inline uint64_t digits_upto8(const char *p, unsigned n)
{
	uint64_t x;
	memcpy(&x, p, 8);
	x = (x << (8 * (8 - n))) & 0x0f0f0f0f0f0f0f0full;
	x = (x * 10 + (x >> 8)) & 0x00ff00ff00ff00ffull;
	x = (x * 100 + (x >> 16)) & 0x0000ffff0000ffffull;
	return (x * 10000 + (x >> 32)) & 0xffffffffull;
}

/* Leading ASCII digits at p (up to 16 counted, 17 meaning "more"), reading only below end:
 * 8 bytes at a time while they are readable, otherwise UINT_MAX (the caller's byte loop decides). */
static inline unsigned lead_digits(const char *p, const char *end)
{
	if (end - p < 8)
		return ~0u;
	unsigned n = lead_digits8(p);
	if (n < 8)
		return n;
	if (end - p < 16)
		return ~0u;
	n = lead_digits8(p + 8);
	return n < 8 ? 8 + n : 17;
}

/* The value of the n (1..16) digits at p (p[0..max(n, 8)) readable). */
static inline uint64_t digits_upto16(const char *p, unsigned n)
{
	if (n <= 8)
		return digits_upto8(p, n);
	return digits_upto8(p, n - 8) * 100000000u + digits_upto8(p + n - 8, 8);
}
#endif

/* Parses "E": -?digits (at most 18, no leading zero) — the range where no overflow is possible. */
static inline bool scan_int(const char *s, size_t len, size_t *pos, int64_t *out)
{
	size_t i = *pos;
	bool neg = i < len && s[i] == '-';
	i += neg;
	size_t d0 = i;
	int64_t v = 0;
#ifdef MINI_SWAR
	unsigned fast = lead_digits(s + i, s + len);
	if (fast >= 1 && fast <= 16 && (fast == 1 || s[d0] != '0')) {
		v = (int64_t)digits_upto16(s + i, fast);
		*out = neg ? -v : v;
		*pos = i + fast;
		return true;
	}
#endif
	while (i < len && s[i] >= '0' && s[i] <= '9' && i - d0 < 19) /* a 19th digit only to see it */
		i++;
	size_t nd = i - d0;
	if (nd > 18)
		return false;
	for (size_t k = d0; k < i; k++)
		v = v * 10 + (s[k] - '0');
	if (nd == 0 || nd > 18 || (nd > 1 && s[d0] == '0'))
		return false;
	*out = neg ? -v : v;
	*pos = i;
	return true;
}

static const uint64_t pow10_8[9] = {100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1};

/* Whether p[0..8) are eight ASCII digits; their value in *out. Binance prints 8 decimals, so this
 * takes the whole fraction in one step: a word test for "all digits" and three multiplications
 * that combine neighbouring digits, then pairs, then quadruples (little-endian byte order). */
static inline bool eight_digits(const char *p, uint64_t *out)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t x;
	memcpy(&x, p, 8);
	if ((x & 0xf0f0f0f0f0f0f0f0ull) != 0x3030303030303030ull ||
	    ((x + 0x0606060606060606ull) & 0xf0f0f0f0f0f0f0f0ull) != 0x3030303030303030ull)
		return false;
	x &= 0x0f0f0f0f0f0f0f0full;
	x = (x * 10 + (x >> 8)) & 0x00ff00ff00ff00ffull;
	x = (x * 100 + (x >> 16)) & 0x0000ffff0000ffffull;
	*out = (x * 10000 + (x >> 32)) & 0xffffffffull;
	return true;
#else
	uint64_t v = 0;
	for (int k = 0; k < 8; k++) {
		if ((unsigned)(p[k] - '0') >= 10)
			return false;
		v = v * 10 + (uint64_t)(p[k] - '0');
	}
	*out = v;
	return true;
#endif
}

/* A decimal string's contents at *pos up to its closing quote (left at *pos). The common shape —
 * at most 10 integer digits and 1..8 decimals — is parsed here in the same pass (its value fits
 * in 63 bits, so it is built in an int64 and widened once); anything else goes through
 * tf_dec_parse, so the accepted language is exactly tf_dec_parse's. */
static bool scan_dec(const char *s, size_t len, size_t *pos, tf_dec *out)
{
	size_t i = *pos;
	bool neg = i < len && s[i] == '-';
	i += neg;
	size_t d0 = i;
	uint64_t v = 0, f = 0;
	size_t nd, fd = 0;
	while (i < len && (unsigned)(s[i] - '0') < 10 && i - d0 < 11)
		v = v * 10 + (uint64_t)(s[i++] - '0');
	nd = i - d0;
	if (nd == 0 || nd > 10 || (nd > 1 && s[d0] == '0'))
		goto general;
	if (i < len && s[i] == '.') {
		size_t f0 = ++i;
		if (len - i > 8 && eight_digits(s + i, &f)) {
			i += 8;
		} else {
			while (i < len && (unsigned)(s[i] - '0') < 10 && i - f0 < 9)
				f = f * 10 + (uint64_t)(s[i++] - '0');
		}
		fd = i - f0;
		if (fd == 0 || fd > 8)
			goto general;
	}
	if (i >= len || s[i] != '"')
		goto general; /* a 9th decimal, an exponent, ...: tf_dec_parse decides */
	int64_t mag = (int64_t)(v * 100000000u + f * pow10_8[fd]); /* < 1e18 */
	*out = (tf_dec)(neg ? -mag : mag);
	*pos = i;
	return true;
general:
	i = *pos;
	while (i < len && dec_byte((unsigned char)s[i]))
		i++;
	if (i >= len || s[i] != '"' || tf_dec_parse(s + *pos, i - *pos, out) != TF_OK)
		return false;
	*pos = i;
	return true;
}

/* Index of a decimal key in c o h l v q order, or -1. */
static int dec_key(char k)
{
	switch (k) {
	case 'c': return 0;
	case 'o': return 1;
	case 'h': return 2;
	case 'l': return 3;
	case 'v': return 4;
	case 'q': return 5;
	default: return -1;
	}
}

#ifdef MINI_SWAR
/* Binance's own shape of a decimal's contents, [-]d{1,15}.dddddddd" (no leading zero), in a few
 * word operations: returns the position of the closing quote with the value in *out, or 0 when
 * the bytes at i have another shape (scan_dec decides then). Reads only below len. */
static inline size_t dec_fast(const char *s, size_t len, size_t i, tf_dec *out)
{
	if (len - i < 9)
		return 0;
	bool neg = s[i] == '-';
	size_t d = i + neg;
	unsigned nd = lead_digits8(s + d);
	uint64_t ip, f;
	if (nd == 8) {
		if (len - d < 16)
			return 0;
		nd += lead_digits8(s + d + 8);
		if (nd == 16)
			return 0;
	}
	if (nd == 0 || (nd > 1 && s[d] == '0') || len - d < nd + 10 || s[d + nd] != '.' || s[d + nd + 9] != '"' ||
	    !eight_digits(s + d + nd + 1, &f))
		return 0;
	ip = digits_upto16(s + d, nd);
	tf_dec mag = (tf_dec)ip * 100000000 + (tf_dec)f;
	*out = neg ? -mag : mag;
	return d + nd + 9;
}

/* The 7 bytes ","k":" (k a key letter) as a little-endian word, to compare with one load. */
#define MINI_SEP(k) ((uint64_t)'"' | (uint64_t)',' << 8 | (uint64_t)'"' << 16 | (uint64_t)(k) << 24 | \
		     (uint64_t)'"' << 32 | (uint64_t)':' << 40 | (uint64_t)'"' << 48)
#endif

/* The element in Binance's own key order, {"e":"24hrMiniTicker","E":..,"s":"..","c":"..","o":..,
 * "h":..,"l":..,"v":..,"q":".."}, as straight-line code: fixed separators compared as constants,
 * no key dispatch and no duplicate bookkeeping. False (r partly written) when the element differs
 * in any byte from that shape; scan_element then takes the general route. Accepts a subset of
 * what the general route accepts, with the same values (same scan_int / scan_dec). */
static bool scan_canonical(const char *s, size_t len, size_t *pos, mini_rec *r)
{
	static const char head[] = "{\"e\":\"24hrMiniTicker\",\"E\":";
#ifndef MINI_SWAR
	static const char keys[] = "cohlvq";
#endif
	size_t i = *pos;
	if (len - i < sizeof head - 1 || memcmp(s + i, head, sizeof head - 1) != 0)
		return false;
	r->start = (uint32_t)i;
	i += sizeof head - 1;
	if (!scan_int(s, len, &i, &r->event_time) || len - i < 6 || memcmp(s + i, ",\"s\":\"", 6) != 0)
		return false;
	size_t st = i += 6;
	while (i < len && sym_byte((unsigned char)s[i]))
		i++;
	if (i == st || i - st >= TF_SYMBOL_MAX)
		return false;
	r->sym_off = (uint32_t)st;
	r->sym_len = (uint32_t)(i - st);
	for (int k = 0; k < 6; k++) {
		/* at the closing quote of the previous string: ","c":" */
#ifdef MINI_SWAR
		static const uint64_t sep[6] = {MINI_SEP('c'), MINI_SEP('o'), MINI_SEP('h'), MINI_SEP('l'), MINI_SEP('v'), MINI_SEP('q')};
		uint64_t w;
		if (len - i < 8)
			return false;
		memcpy(&w, s + i, 8);
		if ((w & 0x00ffffffffffffffull) != sep[k])
			return false;
		i += 7;
		size_t q = dec_fast(s, len, i, &r->v[k]);
		if (q) {
			i = q;
			continue;
		}
#else
		if (len - i < 7 || memcmp(s + i, "\",\"", 3) != 0 || s[i + 3] != keys[k] || memcmp(s + i + 4, "\":\"", 3) != 0)
			return false;
		i += 7;
#endif
		if (!scan_dec(s, len, &i, &r->v[k]))
			return false;
	}
	if (len - i < 2 || s[i + 1] != '}') /* s[i] is the closing quote (scan_dec) */
		return false;
	i += 2;
	r->end = (uint32_t)i;
	*pos = i;
	return true;
}

/* Scans one element at *pos into r; false to decline. */
static bool scan_element(const char *s, size_t len, size_t *pos, mini_rec *r)
{
	size_t i = *pos;
	if (scan_canonical(s, len, pos, r))
		return true;
	if (i >= len || s[i] != '{')
		return false;
	r->start = (uint32_t)i++;
	unsigned seen = 0, bit;
	for (;;) {
		if (len - i < 4 || s[i] != '"' || s[i + 2] != '"' || s[i + 3] != ':')
			return false;
		char k = s[i + 1];
		i += 4;
		if (k == 'e') {
			bit = 0;
			if (len - i < 16 || memcmp(s + i, "\"24hrMiniTicker\"", 16) != 0)
				return false;
			i += 16;
		} else if (k == 'E') {
			bit = 1;
			if (!scan_int(s, len, &i, &r->event_time))
				return false;
		} else if (k == 's') {
			bit = 2;
			if (i >= len || s[i] != '"')
				return false;
			size_t st = ++i;
			while (i < len && sym_byte((unsigned char)s[i]))
				i++;
			if (i >= len || s[i] != '"' || i == st || i - st >= TF_SYMBOL_MAX)
				return false;
			r->sym_off = (uint32_t)st;
			r->sym_len = (uint32_t)(i - st);
			i++;
		} else {
			int dk = dec_key(k);
			if (dk < 0)
				return false;
			bit = 3 + (unsigned)dk;
			if (i >= len || s[i] != '"')
				return false;
			i++;
			if (!scan_dec(s, len, &i, &r->v[dk]))
				return false;
			i++; /* the closing quote */
		}
		if (seen & (1u << bit))
			return false; /* duplicate key: the reference path rejects it with its message */
		seen |= 1u << bit;
		if (i >= len)
			return false;
		if (s[i] == ',') {
			i++;
			continue;
		}
		if (s[i] != '}')
			return false;
		i++;
		break;
	}
	if (seen != 0x1ff)
		return false;
	r->end = (uint32_t)i;
	*pos = i;
	return true;
}

static tf_err deliver(const char *s, const mini_rec *r, size_t n, const tf_tick_handler *h)
{
	tf_tick t;
	memset(&t, 0, sizeof t);
	t.kind = TF_TICK_MINI_TICKER;
	for (size_t k = 0; k < n; k++) {
		memset(t.symbol, 0, sizeof t.symbol); /* as the reference path leaves it: no stale tail */
		memcpy(t.symbol, s + r[k].sym_off, r[k].sym_len);
		t.event_time = r[k].event_time;
		t.s24.last = r[k].v[0];
		t.s24.open = r[k].v[1];
		t.s24.high = r[k].v[2];
		t.s24.low = r[k].v[3];
		t.s24.volume = r[k].v[4];
		t.s24.quote_volume = r[k].v[5];
		t.dead = t.s24.last == 0;
		t.raw = s + r[k].start;
		t.raw_len = r[k].end - r[k].start;
		tf_err e = tf_market_emit(h, &t);
		if (e)
			return e;
	}
	return TF_OK;
}

/* One element that is the whole input: a single miniTicker record. */
static bool mini_one(const char *s, size_t len, const tf_tick_handler *h, tf_err *result)
{
	mini_rec r;
	size_t i = 0;
	if (len > TF_JSON_MAX_INPUT || !scan_element(s, len, &i, &r) || i != len)
		return false;
	*result = deliver(s, &r, 1, h);
	return true;
}

bool tf_market_mini_fast(const char *s, size_t len, const tf_tick_handler *h, tf_err *result)
{
	if (len && s[0] == '{')
		return mini_one(s, len, h, result);
	if (len < 2 || len > TF_JSON_MAX_INPUT || s[0] != '[' || s[1] != '{' || s[len - 1] != ']')
		return false;
	size_t cap = len / MINI_MIN_ELEMENT + 1;
	if (cap * MINI_TOKENS_PER_ELEMENT + 1 > TF_JSON_MAX_TOKENS)
		return false;
	mini_rec *r = malloc(cap * sizeof *r);
	if (!r)
		return false; /* the reference path will report the memory shortage */
	size_t n = 0, i = 1;
	bool ok = false;
	for (;;) {
		if (n == cap || !scan_element(s, len, &i, &r[n]))
			break;
		n++;
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		ok = i + 1 == len && s[i] == ']';
		break;
	}
	if (ok)
		*result = deliver(s, r, n, h);
	free(r);
	return ok;
}
