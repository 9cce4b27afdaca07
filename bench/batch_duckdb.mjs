// batch_duckdb.mjs — the DuckDB peer of bench/batch_report.sh (@duckdb/node-api, installed under bench/duckdb).
//   node batch_duckdb.mjs parquet FILE.csv OUT.parquet   converts the CSV export once (not timed): the
//                                                        decimals as DECIMAL(38,8), as PostgreSQL stores them
//   node batch_duckdb.mjs run QUOTE FILE...              for each FILE (.csv or .parquet), in a fresh in-memory
//                                                        database, reads it and computes the report's totals
//                                                        (symbols, dead, ranked, volume, mean return, mean
//                                                        volatility) and four Top 5s, timed from the first read
//                                                        to the last result; prints per file
//                                                        "<format> <seconds> ranked <n> best <symbol>"
import { createRequire } from 'node:module';

const require = createRequire(new URL('./duckdb/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');
const [mode, ...args] = process.argv.slice(2);
const lit = (s) => `'${s.replace(/'/g, "''")}'`;

if (mode === 'parquet') {
  const [csv, out] = args;
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  await con.run(`COPY (SELECT symbol, open::DECIMAL(38,8) AS "open", high::DECIMAL(38,8) AS high, low::DECIMAL(38,8) AS low,
    "last"::DECIMAL(38,8) AS "last", quote_volume::DECIMAL(38,8) AS quote_volume, dead::INTEGER AS dead, quote
    FROM read_csv(${lit(csv)}, header = true, all_varchar = true)) TO ${lit(out)} (FORMAT parquet)`);
  process.exit(0);
}

const [quote, ...files] = args;
for (const file of files) {
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  const src = file.endsWith('.parquet') ? `read_parquet(${lit(file)})`
    : `read_csv(${lit(file)}, header = true, columns = {symbol: 'VARCHAR', open: 'DOUBLE', high: 'DOUBLE',
       low: 'DOUBLE', last: 'DOUBLE', quote_volume: 'DOUBLE', dead: 'INTEGER', quote: 'VARCHAR'})`;
  const t0 = process.hrtime.bigint();
  // the whole batch's counts (Parquet answers them from two columns), then only the ranked rows
  // read into a table for the rankings: faster for DuckDB than materialising every row first
  const all = (await con.runAndReadAll(`SELECT count(*), sum(dead) FROM ${src}`)).getRows()[0];
  await con.run(`CREATE TEMP TABLE b AS SELECT symbol, "open"::DOUBLE o, high::DOUBLE h, low::DOUBLE l, "last"::DOUBLE c,
    quote_volume::DOUBLE qv FROM ${src} WHERE dead = 0 AND quote = ${lit(quote)}`);
  const tot = (await con.runAndReadAll(`SELECT count(*), sum(qv) / 1e6, avg(CASE WHEN o <> 0 THEN (c - o) / o * 100 END),
    avg(CASE WHEN h + l <> 0 THEN (h - l) / ((h + l) / 2) * 100 END) FROM b`)).getRows()[0];
  const top = async (where, order) =>
    (await con.runAndReadAll(`SELECT symbol FROM b WHERE ${where} ORDER BY ${order}, symbol LIMIT 5`)).getRows();
  const best = await top('o <> 0', '(c - o) / o DESC');
  await top('o <> 0', '(c - o) / o ASC');
  await top('true', 'qv DESC');
  await top('h + l <> 0', '(h - l) / ((h + l) / 2) DESC');
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const fmt = file.endsWith('.parquet') ? 'parquet' : 'csv';
  console.log(`${fmt} ${s.toFixed(3)} ranked ${tot[0]} best ${best[0][0]} symbols ${all[0]}`);
}
