// kafkajs_check.js — kafkajs 2.2.4 against `tickflow broker`: a producer sends N keyed records (GZIP and
// uncompressed batches), a group consumer of two members reads them all back exactly once.
// Usage: node kafkajs_check.js BROKER TOPIC N
'use strict';
const { Kafka, CompressionTypes, logLevel } = require('kafkajs');

const [broker, topic, nStr] = process.argv.slice(2);
const n = parseInt(nStr, 10);
const kafka = new Kafka({ clientId: 'kjs-check', brokers: [broker], logLevel: logLevel.WARN, retry: { retries: 5 } });

async function main() {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < n; i += 100) {
    const messages = [];
    for (let j = i; j < Math.min(n, i + 100); j++) messages.push({ key: `k${j % 37}`, value: `v${j}` });
    await producer.send({ topic, acks: -1, messages, compression: (i / 100) % 2 ? CompressionTypes.GZIP : CompressionTypes.None });
  }
  await producer.disconnect();

  const seen = new Map();
  let total = 0;
  const members = [];
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout: ${seen.size} of ${n} distinct records`)), 40000);
    for (let m = 0; m < 2; m++) {
      const consumer = kafka.consumer({ groupId: `kjs-${topic}`, sessionTimeout: 10000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
      members.push(consumer);
      consumer.connect()
        .then(() => consumer.subscribe({ topic, fromBeginning: true }))
        .then(() => consumer.run({
          eachMessage: async ({ message }) => {
            total++;
            const v = message.value.toString();
            seen.set(v, (seen.get(v) || 0) + 1);
            if (seen.size === n) { clearTimeout(timer); resolve(); }
          },
        }))
        .catch(reject);
    }
  });
  await done;
  // Leave the group (bounded: kafkajs may race a rebalance while disconnecting).
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  await Promise.race([Promise.all(members.map((c) => c.disconnect().catch(() => {}))), sleep(5000)]);
  for (let i = 0; i < n; i++) if (!seen.has(`v${i}`)) throw new Error(`v${i} missing`);
  console.log(`ok ${seen.size} distinct, ${total} deliveries`);
}

main().then(() => process.exit(0), (e) => { console.error(e.stack || String(e)); process.exit(1); });
