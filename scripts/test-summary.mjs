#!/usr/bin/env node
// Reads vitest's JSON report and prints the one line CI reads: "N passed, N failed".
// Exits non-zero when a test failed, was skipped, or when Postgres was required but did not run.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.ci/results.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`no test report at ${file}: ${error.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
// A test of the Postgres half runs inside a suite labelled with testkit's target name (`storeTargets()`:
// `describe(\`… on ${target.name}\`)`, `(${target.name})`), so the label is a whole word in a suite title,
// not part of `postgresql://` or `postgres://` in some test about URIs.
const LABEL = (name) => new RegExp(`(^|[\\s(,])${name}([\\s),]|$)`);
const ran = (file) => (file.assertionResults ?? []).filter((a) => a.status === 'passed');
const labelled = (name) =>
  (report.testResults ?? [])
    .flatMap(ran)
    .filter((a) => (a.ancestorTitles ?? []).some((title) => LABEL(name).test(title))).length;
const postgresTests = labelled('postgres');
const sqliteTests = labelled('sqlite');
const problems = [];
if (skipped > 0) problems.push(`${skipped} tests were skipped`);
if (process.env.TEST_POSTGRES_URL && postgresTests === 0)
  problems.push(`TEST_POSTGRES_URL is set but no Postgres test ran (${sqliteTests} SQLite-target tests did)`);
if (process.env.TEST_POSTGRES_URL)
  console.error(`${postgresTests} Postgres and ${sqliteTests} SQLite target tests passed`);
if (!process.env.TEST_POSTGRES_URL)
  console.error('note: TEST_POSTGRES_URL is not set; the Postgres half of the suite did not run');
for (const p of problems) console.error(`error: ${p}`);
// A blank line first, so the summary stands alone even after output that did not end its line.
console.log(`\n${passed} passed, ${failed + problems.length} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || problems.length > 0 || report.success === false ? 1 : 0);
