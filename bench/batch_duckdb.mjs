// batch_duckdb.mjs FILE.csv QUOTE — DuckDB (@duckdb/node-api, installed under bench/duckdb) computes
// the report's totals and four Top 5s from a CSV export of one ticker_snapshots batch, CSV parse
// included, and prints "duckdb_s <seconds> ranked <n> best <symbol>".
import { createRequire } from 'node:module';

const require = createRequire(new URL('./duckdb/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');
const [file, quote] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const t0 = process.hrtime.bigint();
await con.run(`CREATE TEMP TABLE b AS SELECT symbol, open::DOUBLE o, high::DOUBLE h, low::DOUBLE l, last::DOUBLE c,
  quote_volume::DOUBLE qv FROM read_csv('${file.replace(/'/g, "''")}', header = true,
  columns = {symbol: 'VARCHAR', open: 'VARCHAR', high: 'VARCHAR', low: 'VARCHAR', last: 'VARCHAR',
             quote_volume: 'VARCHAR', dead: 'INTEGER', quote: 'VARCHAR'})
  WHERE dead = 0 AND quote = '${quote}'`);
const tot = (await con.runAndReadAll(`SELECT count(*), sum(qv) / 1e6, avg(CASE WHEN o <> 0 THEN (c - o) / o * 100 END),
  avg(CASE WHEN h + l <> 0 THEN (h - l) / ((h + l) / 2) * 100 END) FROM b`)).getRows()[0];
const top = async (where, order) =>
  (await con.runAndReadAll(`SELECT symbol FROM b WHERE ${where} ORDER BY ${order}, symbol LIMIT 5`)).getRows();
const best = await top('o <> 0', '(c - o) / o DESC');
await top('o <> 0', '(c - o) / o ASC');
await top('true', 'qv DESC');
await top('h + l <> 0', '(h - l) / ((h + l) / 2) DESC');
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`duckdb_s ${s.toFixed(3)} ranked ${tot[0]} best ${best[0][0]}`);
