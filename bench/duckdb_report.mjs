// libsupportkpi benchmark, peer 2: run bench/duckdb_report.sql in DuckDB
// (@duckdb/node-api, in-memory database, DuckDB's default thread count).
//
//   node bench/duckdb_report.mjs DATA_DIR FACTS.json
//
// Runs the "load" phase (CSV into tables), then the "compute" phase (every KPI
// into small tables), then the "facts" query, and writes its rows to FACTS.json
// as [{"rid": R, "kpi": NAME, "v": VALUE-as-text-or-null}, ...] for
// bench/peer_to_json.py.  Prints one line per phase on stdout:
// "phase NAME SECONDS", and "duckdb VERSION threads N"; with SKPI_BENCH_PROFILE=1
// also each statement's time on stderr.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';

const [dataDir, factsPath] = process.argv.slice(2);
if (!dataDir || !factsPath) {
  console.error('usage: node duckdb_report.mjs DATA_DIR FACTS.json');
  process.exit(2);
}
if (/'/.test(dataDir)) {
  console.error('duckdb_report: DATA_DIR must not contain a quote');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const sql = readFileSync(join(here, 'duckdb_report.sql'), 'utf8').replaceAll('@DATA@', dataDir);

// Split into phases at "-- phase: NAME", and each phase into statements at a ";"
// that ends a line (no statement has one inside a string at a line end).
const phases = [];
for (const line of sql.split('\n')) {
  const m = /^-- phase: (\w+)/.exec(line);
  if (m) phases.push({ name: m[1], text: '' });
  else if (phases.length && !/^\s*--/.test(line)) phases[phases.length - 1].text += line + '\n';
}

// Spill files (if the data ever outgrows memory) next to the facts, never in the cwd.
const instance = await DuckDBInstance.create(':memory:', {
  temp_directory: join(dirname(resolve(factsPath)), 'duckdb.tmp'),
});
const con = await instance.connect();
const info = (await con.runAndReadAll("SELECT version(), current_setting('threads')")).getRows()[0];
console.log(`duckdb ${info[0]} threads ${info[1]}`);

let facts = null;
const profile = process.env.SKPI_BENCH_PROFILE === '1';  // per-statement times on stderr
for (const phase of phases) {
  const statements = phase.text.split(/;\s*\n/).map((s) => s.trim()).filter((s) => s);
  const t0 = performance.now();
  for (const statement of statements) {
    const s0 = performance.now();
    if (phase.name === 'facts') facts = (await con.runAndReadAll(statement)).getRowObjectsJson();
    else await con.run(statement);
    if (profile) {
      const head = statement.replace(/\s+/g, ' ').slice(0, 60);
      console.error(`  ${((performance.now() - s0) / 1000).toFixed(3)}  ${head}`);
    }
  }
  console.log(`phase ${phase.name} ${((performance.now() - t0) / 1000).toFixed(3)}`);
}
const t0 = performance.now();
writeFileSync(factsPath, JSON.stringify(facts.map((r) => ({ rid: Number(r.rid), kpi: r.kpi, v: r.v }))));
console.log(`phase write ${((performance.now() - t0) / 1000).toFixed(3)}`);
