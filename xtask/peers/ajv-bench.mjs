// Ajv 2020 over the bench corpus, as `cargo xtask bench validate` measures it next to
// `ppob-contract validate --jobs 1`: every NDJSON line is parsed (JSON.parse) and validated
// with the compiled inquiry.response validator, in one Node thread, in memory. Reading the
// file and compiling the schemas are outside the timed loop.
//
//   node ajv-bench.mjs NODE_MODULES SCHEMAS_DIR CORPUS RUNS
//
// Prints one JSON line: {"bestMs": …, "invalid": …, "docs": …}.
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const [modules, schemas, corpus, runsText] = process.argv.slice(2);
if (!modules || !schemas || !corpus) {
  console.error("usage: node ajv-bench.mjs NODE_MODULES SCHEMAS_DIR CORPUS RUNS");
  process.exit(2);
}
const runs = Math.max(1, Number(runsText ?? "3"));
const require = createRequire(join(modules, "ajv", "package.json"));
const Ajv2020 = require("ajv/dist/2020").default;

const ajv = new Ajv2020({ allErrors: false, strict: false });
for (const name of readdirSync(schemas)) {
  if (name.endsWith(".schema.json") && name !== "report.schema.json") {
    ajv.addSchema(JSON.parse(readFileSync(join(schemas, name), "utf8")));
  }
}
const main = JSON.parse(readFileSync(join(schemas, "inquiry.response.schema.json"), "utf8"));
const validate = ajv.getSchema(main.$id);
if (!validate) {
  console.error(`ajv-bench: ${main.$id} did not compile`);
  process.exit(2);
}

const lines = readFileSync(corpus, "utf8").split("\n");
if (lines[lines.length - 1] === "") lines.pop();

function once() {
  let invalid = 0;
  for (const line of lines) {
    let doc;
    try {
      doc = JSON.parse(line);
    } catch {
      invalid += 1;
      continue;
    }
    if (!validate(doc)) invalid += 1;
  }
  return invalid;
}

let best = Infinity;
let invalid = 0;
for (let i = 0; i < runs; i += 1) {
  const start = process.hrtime.bigint();
  invalid = once();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  best = Math.min(best, ms);
}
console.log(JSON.stringify({ bestMs: best, invalid, docs: lines.length }));
