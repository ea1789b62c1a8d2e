// The TypeScript and Ajv half of the consumer harness (run by tests/consumers/run.sh).
//
//   node typescript.mjs SCHEMAS_DIR FIXTURES_DIR BUILD_DIR VERDICTS_JSON
//
// 1. Generates TypeScript from SCHEMAS_DIR with json-schema-to-typescript (one module per
//    *.schema.json, default options) and openapi-typescript (openapi.json, default options).
// 2. Writes one .ts file per fixture and generator: a valid fixture is assigned to its kind's
//    generated type; a type-level invalid fixture (see typeLevel) gets `// @ts-expect-error`.
// 3. Runs `tsc --strict --noEmit` over all of it.
// 4. Asserts that every response type is a union of two named shapes told apart by `success`
//    in both outputs; a snippet narrowing on `success` reads `data.inquiryId` / `data.token`
//    with no cast under tsc --strict; typed literals of the invalid success shapes are each
//    refused by tsc (counted per line).
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
    include: ["j2t/*.ts", "openapi.ts", "fixtures/*.ts", "narrow/*.ts"],
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

/** The type text after `name:` / `name?:` inside the declaration that `startPattern` finds. */
function memberType(source, startPattern, name) {
  const start = source.search(startPattern);
  if (start < 0) return undefined;
  const match = new RegExp(`\\n\\s*${name}\\??:\\s*([^;]+);`).exec(source.slice(start));
  return match?.[1].replace(/\s+/g, " ").trim();
}

/** The response kinds with their operation name and complete data type. */
const RESPONSES = [
  ["inquiry.response", "Inquiry", "InquiryData"],
  ["payment.response", "Payment", "PaymentData"],
  ["status.response", "Status", "StatusData"],
  ["callback", "Status", "StatusData"],
];

/**
 * Every response type is a union of two named shapes told apart by `success` (`true` in
 * <Op>Success with the complete data type, `false` in <Op>Failure with FailureData), in both
 * outputs.
 */
function assertDiscriminated(out) {
  const j2tDecl = (name) => new RegExp(`export (interface|type) ${name}\\b`);
  const oatDecl = (name) => new RegExp(`\\n\\s*${name}: \\{`);
  const oat = readFileSync(join(out, "openapi.ts"), "utf8");
  for (const [kind, op, complete] of RESPONSES) {
    const title = readJson(schemaFile(kind)).title;
    const j2t = readFileSync(join(out, "j2t", `${kind}.ts`), "utf8");
    const union = new RegExp(`export type ${typeName(title)} = (\\w+) \\| (\\w+);`).exec(j2t);
    if (!union || union[1] !== `${op}Success` || union[2] !== `${op}Failure`) {
      fail(`json-schema-to-typescript: ${kind} is not ${op}Success | ${op}Failure`);
    }
    const oatUnion = new RegExp(`\\n\\s*${componentName(kind)}: components\\["schemas"\\]\\["(\\w+)"\\] \\| components\\["schemas"\\]\\["(\\w+)"\\];`).exec(oat);
    if (!oatUnion || oatUnion[1] !== `${op}Success` || oatUnion[2] !== `${op}Failure`) {
      fail(`openapi-typescript: ${kind} is not ${op}Success | ${op}Failure`);
    }
    for (const [branch, flag, data] of [[`${op}Success`, "true", complete], [`${op}Failure`, "false", "FailureData"]]) {
      const j2tFlag = memberType(j2t, j2tDecl(branch), "success");
      const j2tData = memberType(j2t, j2tDecl(branch), "data");
      if (j2tFlag !== flag || j2tData !== data) {
        fail(`json-schema-to-typescript: ${branch} has success: ${j2tFlag}, data: ${j2tData}; expected ${flag}, ${data}`);
      }
      const oatFlag = memberType(oat, oatDecl(branch), "success");
      const oatData = memberType(oat, oatDecl(branch), "data");
      if (oatFlag !== flag || oatData !== `components["schemas"]["${data}"]`) {
        fail(`openapi-typescript: ${branch} has success: ${oatFlag}, data: ${oatData}; expected ${flag}, ${data}`);
      }
    }
  }
}

/** The seed's inquiry and payment answers, for the narrowing snippets and the invalid literals. */
const seed = (kind) => readJson(join(fixturesDir, `${kind}.json`));

/** How each generator names a response type, from a file in `out/narrow/`. */
const GENERATORS = {
  j2t: {
    imports: RESPONSES.slice(0, 3).map(([kind, op]) =>
      `import type { ${op}Response } from "../j2t/${kind}";`).join("\n"),
    type: (op) => `${op}Response`,
  },
  oat: {
    imports: `import type { components } from "../openapi";`,
    type: (op) => `components["schemas"]["${op}Response"]`,
  },
};

/**
 * Narrowing on `success` reaches the complete object with no cast (`data.inquiryId`,
 * `data.token` as non-optional number and string) under tsc --strict.
 */
function writeNarrowing(out) {
  mkdirSync(join(out, "narrow"), { recursive: true });
  for (const [name, gen] of Object.entries(GENERATORS)) {
    writeFileSync(join(out, "narrow", `narrow.${name}.ts`), `${gen.imports}

export function inquiryIdOf(res: ${gen.type("Inquiry")}): number | undefined {
  if (res.success) {
    const id: number = res.data.inquiryId;
    return id;
  }
  const code: number = res.responseCode;
  return code >= 0 ? undefined : undefined;
}

export function tokenOf(res: ${gen.type("Payment")} | ${gen.type("Status")}): string | undefined {
  if (res.success === true) {
    const token: string = res.data.token;
    return token;
  }
  return res.data.token ?? undefined;
}
`);
  }
}

/**
 * Typed literals of the invalid success shapes, one per line, each of which tsc must refuse:
 * `success: true` with code 300 and `data: {}`, and a success without `inquiryId`. Compiled
 * on their own so that the error of each line is counted.
 */
function writeInvalidLiterals(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const inquiry = seed("inquiry.response");
  const { inquiryId: _dropped, ...withoutId } = inquiry.data;
  const shapes = [
    ["success with code 300 and data {}", { ...inquiry, responseCode: 300, success: true, data: {} }],
    ["success without inquiryId", { ...inquiry, data: withoutId }],
    ["success with a failure code and data {}", { ...inquiry, responseCode: 100, success: true, data: {} }],
  ];
  const expected = [];
  for (const [name, gen] of Object.entries(GENERATORS)) {
    const lines = [...gen.imports.split("\n"), ""];
    shapes.forEach(([what, value], i) => {
      lines.push(`// ${what}`);
      lines.push(`export const invalid${i}: ${gen.type("Inquiry")} = ${JSON.stringify(value)};`);
      expected.push({ file: `invalid.${name}.ts`, line: lines.length, what });
    });
    writeFileSync(join(dir, `invalid.${name}.ts`), lines.join("\n") + "\n");
  }
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: "es2022", module: "es2022",
      moduleResolution: "bundler", skipLibCheck: true, types: [] },
    include: ["*.ts"],
  }, null, 2));
  return expected;
}

/** tsc must report an error on every invalid literal's line, and nowhere else. */
function invalidLiteralsRefused(out) {
  const dir = join(out, "invalid-literals");
  const expected = writeInvalidLiterals(dir);
  let output = "";
  try {
    execFileSync(process.execPath, [join(nodeModules, "typescript/bin/tsc"), "-p", dir, "--strict", "--noEmit"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    fail("tsc --strict accepted every invalid success literal");
    return expected.length;
  } catch (error) {
    output = `${error.stdout}${error.stderr}`;
  }
  const errors = [...output.matchAll(/(invalid\.\w+\.ts)\((\d+),\d+\): error (TS\d+)/g)]
    .map((m) => ({ file: m[1], line: Number(m[2]), code: m[3] }));
  for (const e of expected) {
    if (!errors.some((x) => x.file === e.file && x.line === e.line)) {
      fail(`tsc --strict accepts ${e.what} (${e.file}:${e.line})`);
    }
  }
  for (const x of errors) {
    if (!expected.some((e) => e.file === x.file && e.line === x.line)) {
      fail(`unexpected tsc error ${x.code} at ${x.file}:${x.line}:\n${output}`);
    }
  }
  return expected.length;
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
  step("responses are unions told apart by success in both TypeScript outputs", () => assertDiscriminated(out));
  step("tsc --strict: narrowing on success reads data.inquiryId and data.token with no cast (x2 generators)", () => {
    writeNarrowing(out);
    typeCheck(out);
  });
  const refused = step("tsc --strict refuses the invalid success shapes", () => invalidLiteralsRefused(out));
  console.log(`ok tsc --strict reports an error for each of ${refused} invalid success literals (3 shapes x2 generators)`);
}
const compiled = step(`Ajv2020 strict agrees with ppob-contract on ${all.length} fixtures`, () => ajvAgrees(all));
console.log(`ok Ajv2020 strict compiled ${compiled} schemas`);
