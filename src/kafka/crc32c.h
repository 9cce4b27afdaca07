/* crc32c.h — CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as Kafka's RecordBatch v2 uses.
 * Slice-by-8 tables built once on first use (thread-safe via pthread_once). */
#ifndef TF_KAFKA_CRC32C_H
#define TF_KAFKA_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC of p[0..n) continuing from crc (start with 0). */
uint32_t tf_crc32c(uint32_t crc, const void *p, size_t n);

#endif
