// fill.js BROKER TOPIC FIRST_ID MAX_FAILURES VALUE_BYTES [COUNT] — produces records one at a time (acks=all,
// no client retries, so every answer is the broker's own) with keys FIRST_ID, FIRST_ID+1, ... and
// prints "ack <id> <offset>" or "nack <id> <error type>" for each. Stops after MAX_FAILURES failed
// sends in a row (the disk is full) or COUNT records (default 4000). Used by ops_errors.sh to know exactly which
// records the broker acknowledged.
'use strict';
const { Kafka, logLevel } = require('kafkajs');
const [broker, topic, firstArg, maxFailArg, sizeArg, countArg] = process.argv.slice(2);
const first = Number(firstArg), maxFail = Number(maxFailArg), size = Number(sizeArg);

async function main() {
  const kafka = new Kafka({ clientId: 'ops-fill', brokers: [broker], logLevel: logLevel.NOTHING,
                            retry: { retries: 0 } });
  const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 0 } });
  await producer.connect();
  let fails = 0;
  const count = Number(countArg || 4000);
  for (let id = first; id < first + count && fails < maxFail; id++) {
    const key = String(id).padStart(8, '0');
    const value = key + ':' + 'x'.repeat(Math.max(0, size - 9));
    try {
      const r = await producer.send({ topic, acks: -1, messages: [{ key, value, partition: 0 }] });
      console.log(`ack ${key} ${r[0].baseOffset}`);
      fails = 0;
    } catch (e) {
      console.log(`nack ${key} ${e.type || e.name}`);
      fails++;
    }
  }
  await producer.disconnect();
}
main().catch((e) => { console.error('fill.js:', e); process.exit(1); });
