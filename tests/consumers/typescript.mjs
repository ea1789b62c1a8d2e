// The TypeScript and Ajv half of the consumer harness (run by tests/consumers/run.sh).
//
//   node typescript.mjs SCHEMAS_DIR FIXTURES_DIR BUILD_DIR VERDICTS_JSON
//
// 1. Generates TypeScript from SCHEMAS_DIR with json-schema-to-typescript (one module per
//    *.schema.json, default options) and openapi-typescript (openapi.json, default options).
// 2. Writes one .ts file per fixture and generator: a valid fixture is assigned to its kind's
//    generated type; a type-level invalid fixture (see typeLevel) gets `// @ts-expect-error`.
// 3. Runs `tsc --strict --noEmit` over all of it.
// 4. Asserts that `data` of every response kind is a union of named types in both outputs.
// 5. Compiles every schema with Ajv 2020 (default, strict mode) and checks its verdict on
//    every fixture against `ppob-contract validate` (VERDICTS_JSON, its --format json report).
// Exits 1 on the first failed group, printing every problem of that group.

import { readFileSync, writeFileSync, mkdirSync, readdirSync, existsSync, rmSync } from "node:fs";
import { join, basename, resolve, relative } from "node:path";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const [schemasDir, fixturesDir, buildDir, verdictsPath] = process.argv.slice(2).map((p) => resolve(p));
const nodeModules = resolve(process.env.PPOB_CONSUMERS_NODE_MODULES ?? join(import.meta.dirname, "node_modules"));
const load = (name) => require(join(nodeModules, name));
const { compile } = load("json-schema-to-typescript");
const Ajv2020 = load("ajv/dist/2020.js").default;

const KINDS = [
  "inquiry.request", "inquiry.response", "payment.request", "payment.response",
  "status.request", "status.response", "callback",
];
const failures = [];
const fail = (message) => failures.push(message);
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
const schemaFile = (kind) => join(schemasDir, `${kind}.schema.json`);
const isResponse = (kind) => !kind.endsWith(".request");

/** The kind a fixture's file name ends in (`rc-188-not-found.status.response.json`). */
function kindOf(file) {
  const stem = basename(file, ".json");
  return KINDS.find((k) => stem === k || stem.endsWith(`.${k}`));
}

/** Fixtures found by glob: `{path, kind, valid, typeLevel}`. */
function fixtures() {
  const found = [];
  for (const name of readdirSync(fixturesDir).sort()) {
    const kind = kindOf(name);
    if (kind && name.endsWith(".json")) found.push({ path: join(fixturesDir, name), kind, valid: true });
  }
  const invalidDir = join(fixturesDir, "invalid");
  for (const name of readdirSync(invalidDir).sort()) {
    if (name.endsWith(".expect.json") || !name.endsWith(".json")) continue;
    const kind = kindOf(name);
    if (!kind) continue;
    const expect = readJson(join(invalidDir, name.replace(/\.json$/, ".expect.json")));
    found.push({ path: join(invalidDir, name), kind, valid: false, typeLevel: typeLevel(expect) });
  }
  return found;
}

/**
 * An invalid fixture is type-level when every expected finding is a schema `type` error, or a
 * `required` error for a member of the document itself: what a static type can say. Missing
 * members inside `data`, bounds and semantic rules are not (the union's failure member has
 * every field optional, and types carry no bounds).
 */
function typeLevel(expect) {
  const findings = expect.findings ?? [];
  return findings.length > 0 && findings.every((f) =>
    f.rule === "schema" && (
      f.message.startsWith("type:") ||
      (f.message.startsWith("required:") && f.pointer.split("/").length === 2)));
}

/**
 * The openapi-typescript component of a kind: the component named like the schema's title,
 * else (the callback) the component the webhook's request body refers to.
 */
function componentName(kind) {
  const openapi = readJson(join(schemasDir, "openapi.json"));
  const title = readJson(schemaFile(kind)).title;
  if (openapi.components?.schemas?.[title]) return title;
  const hook = Object.values(openapi.webhooks ?? {})[0]?.post;
  const ref = hook?.requestBody?.content?.["application/json"]?.schema?.$ref;
  return kind === "callback" && ref ? ref.split("/").pop() : title;
}

/** json-schema-to-typescript's name for a schema titled `title`. */
const typeName = (title) => title.replace(/[^A-Za-z0-9_$]/g, "").replace(/^./, (c) => c.toUpperCase());

async function generate() {
  const out = join(buildDir, "ts");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "j2t"), { recursive: true });
  mkdirSync(join(out, "fixtures"), { recursive: true });
  for (const kind of KINDS) {
    const schema = readJson(schemaFile(kind));
    const ts = await compile(schema, schema.title ?? kind, { cwd: schemasDir });
    writeFileSync(join(out, "j2t", `${kind}.ts`), ts);
  }
  const oat = execFileSync(process.execPath,
    [join(nodeModules, "openapi-typescript/bin/cli.js"), join(schemasDir, "openapi.json")],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  writeFileSync(join(out, "openapi.ts"), oat);
  return out;
}

function writeFixtureChecks(out, all) {
  for (const fixture of all) {
    if (!fixture.valid && !fixture.typeLevel) continue;
    const title = readJson(schemaFile(fixture.kind)).title;
    const literal = readFileSync(fixture.path, "utf8").trim().replace(/\s*\n\s*/g, " ");
    const expectError = fixture.valid ? "" : "// @ts-expect-error type-level invalid fixture\n";
    const origin = `// ${relative(process.cwd(), fixture.path)} as ${fixture.kind}\n`;
    const stem = basename(fixture.path, ".json") + (fixture.valid ? "" : ".invalid");
    writeFileSync(join(out, "fixtures", `${stem}.j2t.ts`),
      `${origin}import type { ${typeName(title)} as Doc } from "../j2t/${fixture.kind}";\n` +
      `${expectError}export const doc: Doc = ${literal};\n`);
    writeFileSync(join(out, "fixtures", `${stem}.oat.ts`),
      `${origin}import type { components } from "../openapi";\n` +
      `${expectError}export const doc: components["schemas"][${JSON.stringify(componentName(fixture.kind))}] = ${literal};\n`);
  }
  writeFileSync(join(out, "tsconfig.json"), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: "es2022", module: "es2022",
      moduleResolution: "bundler", skipLibCheck: true, types: [] },
    include: ["**/*.ts"],
  }, null, 2));
}

function typeCheck(out) {
  try {
    execFileSync(process.execPath, [join(nodeModules, "typescript/bin/tsc"), "-p", out, "--strict", "--noEmit"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    fail(`tsc --strict --noEmit failed:\n${error.stdout}${error.stderr}`);
  }
}

/** The type text after `data:` / `data?:` inside the declaration of `name`. */
function dataType(source, startPattern) {
  const start = source.search(startPattern);
  if (start < 0) return undefined;
  const match = /\n\s*data\??:\s*([^;]+);/.exec(source.slice(start));
  return match?.[1].replace(/\s+/g, " ").trim();
}

const FORBIDDEN = /\bunknown\b|\bany\b|Record<string, never>|\{/;

function assertUnions(out) {
  for (const kind of KINDS.filter(isResponse)) {
    const title = readJson(schemaFile(kind)).title;
    const j2t = readFileSync(join(out, "j2t", `${kind}.ts`), "utf8");
    const fromJ2t = dataType(j2t, new RegExp(`export (interface|type) ${typeName(title)}\\b`));
    const members = fromJ2t?.split("|").map((m) => m.trim()) ?? [];
    if (!fromJ2t || members.length < 2 || FORBIDDEN.test(fromJ2t) || !members.every((m) => /^[A-Z]\w*$/.test(m))) {
      fail(`json-schema-to-typescript: ${kind} data is ${fromJ2t ?? "missing"}, not a union of named types`);
    }
    const oat = readFileSync(join(out, "openapi.ts"), "utf8");
    const fromOat = dataType(oat, new RegExp(`\\n\\s*${componentName(kind)}: \\{`));
    const oatMembers = fromOat?.split("|").map((m) => m.trim()) ?? [];
    if (!fromOat || oatMembers.length < 2 || FORBIDDEN.test(fromOat) ||
        !oatMembers.every((m) => /^components\["schemas"\]\["\w+"\]$/.test(m))) {
      fail(`openapi-typescript: ${kind} data is ${fromOat ?? "missing"}, not a union of named types`);
    }
  }
}

function ajvAgrees(all) {
  const ajv = new Ajv2020();
  const schemas = readdirSync(schemasDir).filter((n) => n.endsWith(".schema.json")).sort();
  const validators = {};
  for (const name of schemas) {
    try {
      const schema = readJson(join(schemasDir, name));
      ajv.addSchema(schema, schema.$id ?? name);
    } catch (error) {
      fail(`Ajv2020 (strict) refuses ${name}: ${error.message}`);
    }
  }
  for (const name of schemas) {
    const schema = readJson(join(schemasDir, name));
    try {
      validators[name.replace(/\.schema\.json$/, "")] = ajv.getSchema(schema.$id ?? name);
    } catch (error) {
      fail(`Ajv2020 (strict) cannot compile ${name}: ${error.message}`);
    }
  }
  const report = readJson(verdictsPath);
  const byPath = new Map(report.documents.map((d) => [resolve(d.source), d]));
  for (const fixture of all) {
    const validate = validators[fixture.kind];
    const verdict = byPath.get(fixture.path);
    if (!validate || !verdict) {
      fail(`${fixture.path}: no ${validate ? "ppob-contract verdict" : "Ajv validator"}`);
      continue;
    }
    const ours = !verdict.findings.some((f) => f.rule === "schema" && f.severity === "error");
    const theirs = validate(readJson(fixture.path));
    if (ours !== theirs) {
      fail(`${fixture.path}: Ajv says ${theirs ? "valid" : "invalid"} ` +
        `(${JSON.stringify(validate.errors?.map((e) => `${e.instancePath} ${e.message}`))}), ` +
        `ppob-contract's schema check says ${ours ? "valid" : "invalid"}`);
    }
  }
  return schemas.length;
}

const all = fixtures();
const step = (name, fn) => {
  const started = Date.now();
  const result = fn();
  if (failures.length) {
    console.error(`consumer harness: ${name} FAILED\n  ${failures.join("\n  ")}`);
    process.exit(1);
  }
  console.log(`ok ${name} (${Date.now() - started} ms)`);
  return result;
};
const out = await generate();
console.log(`ok generate TypeScript (json-schema-to-typescript, openapi-typescript) into ${relative(process.cwd(), out)}`);
const typeChecked = all.filter((f) => f.valid || f.typeLevel);
step(`tsc --strict: ${typeChecked.filter((f) => f.valid).length} valid fixtures type-check, ` +
  `${typeChecked.filter((f) => !f.valid).length} type-level invalid ones do not (x2 generators)`, () => {
  writeFixtureChecks(out, all);
  typeCheck(out);
});
if (process.env.PPOB_CONSUMERS_UNIONS !== "skip") {
  step("data is a union of named types in both TypeScript outputs", () => assertUnions(out));
}
const compiled = step(`Ajv2020 strict agrees with ppob-contract on ${all.length} fixtures`, () => ajvAgrees(all));
console.log(`ok Ajv2020 strict compiled ${compiled} schemas`);
