// The docs half of the consumer harness (run by tests/consumers/run.sh): every snippet of
// docs/consumers.md runs as written.
//
//   node docs.mjs DOC ROOT WORK_DIR
//
// Every fenced block of DOC runs, in order, in WORK_DIR (emptied first; it holds a copy of
// ROOT's schemas/ and fixtures/, and node_modules and package.json of the harness's pinned npm
// tools, so `npx --package NAME@VERSION` finds them there; PATH, set by run.sh, puts the pinned
// Python tools, the harness's node_modules/.bin and ppob-contract first). By language:
//   sh      bash -euo pipefail; the block's exit status must be its `exit=N` (default 0)
//   ts      written to WORK_DIR/snippet-N.ts and type-checked with tsc --strict (with the files
//           earlier blocks wrote)
//   js      run with node as WORK_DIR/snippet-N.cjs
//   python  run with the venv's python
// A block in any other language, or an indented code block, fails the run: a snippet the
// harness cannot run is a snippet nobody proves.

import { readFileSync, writeFileSync, mkdirSync, rmSync, cpSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";

const [doc, root, work] = process.argv.slice(2).map((p) => resolve(p));
const nodeModules = resolve(process.env.PPOB_CONSUMERS_NODE_MODULES);
const text = readFileSync(doc, "utf8");
const lines = text.split("\n");
const name = doc.slice(root.length + 1);

/** Fenced blocks `{line, lang, attrs, body}`; indented code blocks are refused. */
function blocks() {
  const found = [];
  const refused = [];
  let open = null;
  let previousBlank = true;
  lines.forEach((line, i) => {
    if (open) {
      if (/^```\s*$/.test(line)) {
        found.push(open);
        open = null;
      } else {
        open.body.push(line);
      }
      return;
    }
    const fence = /^```(\S*)\s*(.*)$/.exec(line);
    if (fence) {
      const attrs = Object.fromEntries(fence[2].split(/\s+/).filter(Boolean).map((a) => a.split("=")));
      open = { line: i + 1, lang: fence[1], attrs, body: [] };
    } else if (previousBlank && /^ {4}\S/.test(line) && !/^\s*([-*]|\d+\.)\s/.test(lines[i - 2] ?? "")) {
      refused.push(`${name}:${i + 1}: an indented code block; fence it with its language so the harness runs it`);
    }
    previousBlank = line.trim() === "";
  });
  if (open) refused.push(`${name}:${open.line}: a fenced block that never closes`);
  return { found, refused };
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: work, encoding: "utf8", timeout: 300_000, ...options });
  return { status: result.status ?? (result.error ? `error ${result.error.message}` : `signal ${result.signal}`),
           output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
cpSync(join(root, "schemas"), join(work, "schemas"), { recursive: true });
cpSync(join(root, "fixtures"), join(work, "fixtures"), { recursive: true });
symlinkSync(nodeModules, join(work, "node_modules"));
cpSync(join(nodeModules, "..", "package.json"), join(work, "package.json"));
cpSync(join(nodeModules, "..", "package-lock.json"), join(work, "package-lock.json"));

const { found, refused } = blocks();
const failures = [...refused];
const ran = {};
for (const [index, block] of found.entries()) {
  const where = `${name}:${block.line} (${block.lang || "no language"})`;
  const body = block.body.join("\n") + "\n";
  const expected = Number(block.attrs.exit ?? 0);
  let result;
  if (block.lang === "sh") {
    const file = join(work, `snippet-${index}.sh`);
    writeFileSync(file, body);
    result = run("bash", ["-euo", "pipefail", file]);
  } else if (block.lang === "ts") {
    const file = `snippet-${index}.ts`;
    writeFileSync(join(work, file), body);
    result = run(join(nodeModules, ".bin", "tsc"), ["--strict", "--noEmit", "--target", "es2022",
      "--module", "esnext", "--moduleResolution", "bundler", "--types", "node", file]);
  } else if (block.lang === "js") {
    const file = join(work, `snippet-${index}.cjs`);
    writeFileSync(file, body);
    result = run("node", [file]);
  } else if (block.lang === "python") {
    const file = join(work, `snippet-${index}.py`);
    writeFileSync(file, body);
    result = run("python", [file]);
  } else {
    failures.push(`${where}: the harness runs sh, ts, js and python blocks; mark this one as one of them`);
    continue;
  }
  if (result.status !== expected) {
    failures.push(`${where}: exit ${result.status}, expected ${expected}\n${body}${result.output}`);
  }
  ran[block.lang] = (ran[block.lang] ?? 0) + 1;
}
if (failures.length > 0) {
  console.error(`consumer harness: ${name} FAILED\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
const counts = Object.entries(ran).map(([lang, n]) => `${n} ${lang}`).join(", ");
console.log(`ok ${name}: all ${found.length} snippets run as written (${counts})`);
