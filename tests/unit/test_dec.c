/* test_dec.c — exact decimals: the strict Binance parser, the JSON-number parser with rounding,
 * the canonical format and their limits. */
#include "base/dec.h"
#include "test.h"

static const char *fmt(tf_dec v, char buf[TF_DEC_STR_MAX])
{
	tf_dec_format(v, buf);
	return buf;
}

/* Parses s strictly and formats it back. */
static const char *roundtrip(const char *s, char buf[TF_DEC_STR_MAX])
{
	tf_dec v;
	if (tf_dec_parse(s, strlen(s), &v) != TF_OK)
		return "(error)";
	return fmt(v, buf);
}

static tf_err strict(const char *s)
{
	tf_dec v;
	return tf_dec_parse(s, strlen(s), &v);
}

static const char *number(const char *s, char buf[TF_DEC_STR_MAX])
{
	tf_dec v;
	tf_err e = tf_dec_parse_number(s, strlen(s), &v);
	if (e == TF_ERR_RANGE)
		return "(range)";
	if (e)
		return "(error)";
	return fmt(v, buf);
}

TF_TEST(dec_parses_binance_strings_exactly)
{
	char b[TF_DEC_STR_MAX];
	tf_dec v;
	TF_CHECK_EQ_INT(tf_dec_parse("0.02456700", 10, &v), TF_OK);
	TF_CHECK(v == 2456700);
	TF_CHECK_EQ_STR(roundtrip("0.02456700", b), "0.02456700");
	TF_CHECK_EQ_STR(roundtrip("9342.7", b), "9342.70000000");
	TF_CHECK_EQ_STR(roundtrip("-65.00000000", b), "-65.00000000");
	TF_CHECK_EQ_STR(roundtrip("-0.693", b), "-0.69300000");
	TF_CHECK_EQ_STR(roundtrip("0", b), "0.00000000");
	TF_CHECK_EQ_STR(roundtrip("-0.00000000", b), "0.00000000"); /* no negative zero */
	TF_CHECK_EQ_STR(roundtrip("0.00000001", b), "0.00000001");
	TF_CHECK_EQ_STR(roundtrip("79310965841885.00", b), "79310965841885.00000000"); /* PEPEUSDT volume */
	TF_CHECK_EQ_STR(roundtrip("12345678901234567890.12345678", b), "12345678901234567890.12345678");
	TF_CHECK_EQ_STR(roundtrip("-99999999999999999999.99999999", b), "-99999999999999999999.99999999");
}

TF_TEST(dec_canonical_fast_path_agrees_with_the_general_parser)
{
	char b[TF_DEC_STR_MAX];
	/* the "[-]d{1,10}.dddddddd" shape goes through eight_digits(); its neighbours do not */
	TF_CHECK_EQ_STR(roundtrip("1234567890.12345678", b), "1234567890.12345678");
	TF_CHECK_EQ_STR(roundtrip("-9999999999.99999999", b), "-9999999999.99999999");
	TF_CHECK_EQ_STR(roundtrip("12345678901.00000001", b), "12345678901.00000001");
	TF_CHECK_EQ_STR(roundtrip("0.00000009", b), "0.00000009");
	TF_CHECK_EQ_INT(strict("01.00000000"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("1.0000000a"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("1.0000:000"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("1.00/00000"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("1x00000000"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("-.00000000"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("+1.00000000"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("1 .00000000"), TF_ERR_PARSE);
	/* every digit position of the fraction: exactly the general parser's value */
	for (int pos = 0; pos < 8; pos++)
		for (int dgt = 0; dgt <= 9; dgt++) {
			char s[16] = "7.00000000";
			s[2 + pos] = (char)('0' + dgt);
			TF_CHECK_EQ_STR(roundtrip(s, b), s);
		}
}

TF_TEST(dec_strict_parser_rejects_what_binance_never_sends)
{
	TF_CHECK_EQ_INT(strict(""), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("-"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("1."), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict(".5"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("01"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("-01.5"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("1e5"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("+1"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict(" 1"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("1 "), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("1,5"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("0x10"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("1.2.3"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("--1"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("0.123456789"), TF_ERR_PARSE); /* 9 decimals */
	TF_CHECK_EQ_INT(strict("NaN"), TF_ERR_PARSE);
	TF_CHECK_EQ_INT(strict("123456789012345678901"), TF_ERR_RANGE); /* 21 integer digits */
	TF_CHECK_EQ_INT(strict("-123456789012345678901.5"), TF_ERR_RANGE);
	TF_CHECK_EQ_INT(strict("12345678901234567890"), TF_OK);
	tf_dec v;
	TF_CHECK_EQ_INT(tf_dec_parse("1.5\0", 4, &v), TF_ERR_PARSE); /* embedded NUL */
}

TF_TEST(dec_number_parser_rounds_half_away_from_zero)
{
	char b[TF_DEC_STR_MAX];
	TF_CHECK_EQ_STR(number("129.0399932861328", b), "129.03999329");
	TF_CHECK_EQ_STR(number("134.17999267578125", b), "134.17999268");
	TF_CHECK_EQ_STR(number("131", b), "131.00000000");
	TF_CHECK_EQ_STR(number("0.000000005", b), "0.00000001");
	TF_CHECK_EQ_STR(number("-0.000000005", b), "-0.00000001");
	TF_CHECK_EQ_STR(number("0.0000000049999", b), "0.00000000");
	TF_CHECK_EQ_STR(number("-0.0000000049999", b), "0.00000000");
	TF_CHECK_EQ_STR(number("0.123456785", b), "0.12345679");
	TF_CHECK_EQ_STR(number("0.99999999999", b), "1.00000000");
	TF_CHECK_EQ_STR(number("1e5", b), "100000.00000000");
	TF_CHECK_EQ_STR(number("1.5E+2", b), "150.00000000");
	TF_CHECK_EQ_STR(number("25e-9", b), "0.00000003");
	TF_CHECK_EQ_STR(number("5e-9", b), "0.00000001");
	TF_CHECK_EQ_STR(number("4e-9", b), "0.00000000");
	TF_CHECK_EQ_STR(number("1e-1000000000000", b), "0.00000000");
	TF_CHECK_EQ_STR(number("0e999999", b), "0.00000000");
	TF_CHECK_EQ_STR(number("-0", b), "0.00000000");
	TF_CHECK_EQ_STR(number("0.0000", b), "0.00000000");
	TF_CHECK_EQ_STR(number("225702700", b), "225702700.00000000");
	TF_CHECK_EQ_STR(number("1e19", b), "10000000000000000000.00000000");
	TF_CHECK_EQ_STR(number("99999999999999999999.99999999", b), "99999999999999999999.99999999");
	TF_CHECK_EQ_STR(number("99999999999999999999.999999995", b), "(range)"); /* rounds up to 21 digits */
	TF_CHECK_EQ_STR(number("1e20", b), "(range)");
	TF_CHECK_EQ_STR(number("-1e300", b), "(range)");
}

TF_TEST(dec_number_parser_follows_json_grammar)
{
	char b[TF_DEC_STR_MAX];
	TF_CHECK_EQ_STR(number("", b), "(error)");
	TF_CHECK_EQ_STR(number("1.", b), "(error)");
	TF_CHECK_EQ_STR(number(".5", b), "(error)");
	TF_CHECK_EQ_STR(number("01", b), "(error)");
	TF_CHECK_EQ_STR(number("1e", b), "(error)");
	TF_CHECK_EQ_STR(number("1e+", b), "(error)");
	TF_CHECK_EQ_STR(number("+1", b), "(error)");
	TF_CHECK_EQ_STR(number("1 ", b), "(error)");
	TF_CHECK_EQ_STR(number("Infinity", b), "(error)");
	TF_CHECK_EQ_STR(number("\"1\"", b), "(error)");
}

TF_TEST(dec_format_and_double)
{
	char b[TF_DEC_STR_MAX];
	TF_CHECK_EQ_INT(tf_dec_format(-1, b), 11);
	TF_CHECK_EQ_STR(b, "-0.00000001");
	TF_CHECK_EQ_STR(fmt(tf_dec_from_int(-42), b), "-42.00000000");
	/* the extremes of the type still fit the documented buffer */
	tf_dec min = (tf_dec)((unsigned __int128)1 << 127);
	TF_CHECK_EQ_STR(fmt(min, b), "-1701411834604692317316873037158.84105728");
	tf_dec max = (tf_dec)(((unsigned __int128)1 << 127) - 1);
	TF_CHECK_EQ_STR(fmt(max, b), "1701411834604692317316873037158.84105727");
	/* integer parts around 2^64, where the digits switch from one 64-bit word to two */
	tf_dec two64 = (tf_dec)((unsigned __int128)1 << 64);
	TF_CHECK_EQ_STR(fmt(two64 * TF_DEC_SCALE + 5, b), "18446744073709551616.00000005");
	TF_CHECK_EQ_STR(fmt((two64 - 1) * TF_DEC_SCALE, b), "18446744073709551615.00000000");
	tf_dec e20 = (tf_dec)10000000000000000000u * 10;
	TF_CHECK_EQ_STR(fmt(-(e20 + 7) * TF_DEC_SCALE - 12345678, b), "-100000000000000000007.12345678");
	TF_CHECK(tf_dec_to_double(2456700) == 0.024567);
	TF_CHECK(tf_dec_to_double(-tf_dec_from_int(3)) == -3.0);
}
