/* fuzz_json.c — libFuzzer target for the validating JSON layer: accepted documents must have a
 * consistent token tree (every `next` moves forward and stays in range, sizes match children). */
#include <stdlib.h>

#include "market/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tf_json_doc d;
	tf_json_init(&d);
	tf_decode_err err = {0};
	tf_err e = tf_json_parse(&d, (const char *)data, size, &err);
	if (e && !err.msg[0])
		abort();
	if (!e) {
		if (d.ntok == 0 || d.tok[0].next != d.ntok)
			abort();
		for (uint32_t i = 0; i < d.ntok; i++) {
			const tf_json_tok *t = &d.tok[i];
			if (t->next <= i || t->next > d.ntok || t->end > size || t->start > t->end)
				abort();
			if (t->type == TF_JSON_ARRAY || t->type == TF_JSON_OBJECT) {
				uint32_t c = i + 1, per = t->type == TF_JSON_OBJECT ? 2 : 1;
				for (uint32_t k = 0; k < t->size * per; k++)
					c = d.tok[c].next;
				if (c != t->next)
					abort();
			}
		}
	}
	tf_json_free(&d);
	return 0;
}
