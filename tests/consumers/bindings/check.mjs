// Runs the compiled consumer.ts (tests/consumers/bindings.sh) against the fixtures:
//
//   node check.mjs CONSUMER_JS FIXTURES_DIR VERSION
//
// Every valid fixture validates as its kind; every invalid fixture with a `schema` finding in
// its *.expect.json is refused (with errors); inquiryIdOf reads the inquiry id of the seed
// answer and throws on the empty-data success answer; the installed version is the schema set's.
import { readFileSync, readdirSync } from "node:fs";
import { join, basename, resolve } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [consumerJs, fixturesDir, version] = process.argv.slice(2).map((a, i) => (i < 2 ? resolve(a) : a));
const consumer = await import(pathToFileURL(consumerJs).href);
const require = createRequire(consumerJs);
const installed = require("ppob-contract-schemas/package.json").version;
const failures = [];
if (installed !== version) failures.push(`installed ppob-contract-schemas ${installed}, not ${version}`);

const kindOf = (name) => {
  const stem = basename(name, ".json");
  return consumer.kinds.find((k) => stem === k || stem.endsWith(`.${k}`));
};
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
let valid = 0, refused = 0;
for (const name of readdirSync(fixturesDir).sort()) {
  const kind = kindOf(name);
  if (!kind || !name.endsWith(".json")) continue;
  valid += 1;
  if (!consumer.isValid(kind, readJson(join(fixturesDir, name)))) failures.push(`${name}: refused as ${kind}`);
}
const invalidDir = join(fixturesDir, "invalid");
for (const name of readdirSync(invalidDir).sort()) {
  const kind = kindOf(name);
  if (!kind || name.endsWith(".expect.json") || !name.endsWith(".json")) continue;
  const expect = readJson(join(invalidDir, name.replace(/\.json$/, ".expect.json")));
  if (!(expect.findings ?? []).some((f) => f.rule === "schema")) continue;
  refused += 1;
  if (consumer.isValid(kind, readJson(join(invalidDir, name)))) failures.push(`invalid/${name}: accepted as ${kind}`);
}
const seed = readJson(join(fixturesDir, "inquiry.response.json"));
if (consumer.inquiryIdOf(seed) !== seed.data.inquiryId) failures.push("inquiryIdOf(inquiry.response.json) is not its data.inquiryId");
const status = readJson(join(fixturesDir, "status.response.json"));
if (consumer.tokenOf(status) !== status.data.token) failures.push("tokenOf(status.response.json) is not its data.token");
try {
  consumer.inquiryIdOf(readJson(join(invalidDir, "empty-data-on-success.inquiry.response.json")));
  failures.push("inquiryIdOf accepts the empty-data success answer");
} catch (error) {
  if (!/\/data required/.test(error.message)) failures.push(`inquiryIdOf's error names no missing /data member: ${error.message}`);
}
if (failures.length > 0) {
  console.error(`consumer harness: the npm package ppob-contract-schemas FAILED\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
console.log(`ok npm package ppob-contract-schemas ${installed}: ${valid} valid fixtures validate, ${refused} schema-invalid ones are refused, inquiryIdOf/tokenOf read data with no cast`);
