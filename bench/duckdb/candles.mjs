// candles.mjs FILE — DuckDB computes the same 1-minute candles as tickflow from a JSONL file of
// miniTicker records (read_json + GROUP BY, parse included) and prints "duckdb_s <seconds> candles <n>".
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2];
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const t0 = process.hrtime.bigint();
const reader = await con.runAndReadAll(`
  SELECT s, (E // 60000) * 60000 AS open_time,
         arg_min(c::DECIMAL(38,8), E) AS open, max(c::DECIMAL(38,8)) AS high,
         min(c::DECIMAL(38,8)) AS low, arg_max(c::DECIMAL(38,8), E) AS close, count(*) AS updates
  FROM read_json('${file.replace(/'/g, "''")}', format = 'newline_delimited',
                 columns = {E: 'BIGINT', s: 'VARCHAR', c: 'VARCHAR'})
  GROUP BY ALL`);
const rows = reader.getRows().length;
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`duckdb_s ${s.toFixed(3)} candles ${rows}`);
