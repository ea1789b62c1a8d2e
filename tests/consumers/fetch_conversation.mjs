// openapi-typescript + openapi-fetch against `ppob-contract mock` (run by tests/consumers/run.sh
// after typescript.mjs generated BUILD_DIR/ts/openapi.ts).
//
//   node fetch_conversation.mjs BUILD_DIR BASE_URL
//
// Writes a typed client conversation (inquiry -> payment -> status, narrowing every answer on
// `success` with no cast; KEY, VERSION and a TOKEN signed with the demo partner's public
// secret of docs/simulator.md), compiles it with tsc --strict and runs it against the mock at
// BASE_URL (127.0.0.1). Exits 1 when it does not compile or the conversation fails.

import { writeFileSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { execFileSync } from "node:child_process";

const [buildDir, baseUrl] = [resolve(process.argv[2]), process.argv[3]];
const nodeModules = resolve(process.env.PPOB_CONSUMERS_NODE_MODULES ?? join(import.meta.dirname, "node_modules"));
const dir = join(buildDir, "ts", "fetch");
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
// tsc and node resolve `openapi-fetch` from the pinned install.
symlinkSync(nodeModules, join(dir, "node_modules"), "dir");

const conversation = `import createClient from "openapi-fetch";
import { createHmac, randomUUID } from "node:crypto";
import type { paths } from "../openapi.js";

const PARTNER = "partner-id";
// The simulator's public demo secret (docs/simulator.md); never a real partner's.
const DEMO_SECRET = "ppob-contract-demo-secret";

/** A TOKEN: an HS256 JWT whose payload is the request fields themselves. */
function token(fields: object): string {
  const part = (text: string | Buffer) => Buffer.from(text).toString("base64url");
  const signed = part(JSON.stringify({ alg: "HS256", typ: "JWT" })) + "." + part(JSON.stringify(fields));
  return signed + "." + createHmac("sha256", DEMO_SECRET).update(signed).digest("base64url");
}

const client = createClient<paths>({ baseUrl: process.argv[2] });
const headers = (fields: object) => ({ KEY: PARTNER, TOKEN: token(fields) });
const version = { header: { VERSION: "2.0" as const } };

const asked = { partnerId: PARTNER, accountNumber: "0811111111", productCode: "product-code" };
const inquiry = await client.POST("/api/v2/bill/check", { body: asked, params: version, headers: headers(asked) });
if (!inquiry.data?.success) throw new Error("inquiry: " + JSON.stringify(inquiry.data ?? inquiry.error));
const inquiryId: number = inquiry.data.data.inquiryId;

const pay = {
  partnerId: PARTNER, refNumber: "ts-" + randomUUID().slice(0, 16), accountNumber: inquiry.data.data.accountNumber,
  productCode: "product-code", amount: inquiry.data.data.amount, inquiryId,
};
const payment = await client.POST("/api/v2/bill/payment", { body: pay, params: version, headers: headers(pay) });
if (!payment.data?.success) throw new Error("payment: " + JSON.stringify(payment.data ?? payment.error));
const refNumber: string = payment.data.data.refNumber;

let final = -1;
let productToken = "";
for (let i = 0; i < 40 && (final < 0 || final >= 200); i++) { // bounded: the mock settles after 200 ms
  const ask = { partnerId: PARTNER, refNumber };
  const status = await client.POST("/api/v2/bill/status", { body: ask, params: version, headers: headers(ask) });
  if (!status.data) throw new Error("status: " + JSON.stringify(status.error));
  final = status.data.responseCode;
  if (status.data.success) productToken = status.data.data.token;
  if (final < 200) break;
  await new Promise((done) => setTimeout(done, 100));
}
if (final !== 0 || !productToken) throw new Error("status: ended with " + final);
console.log("ok openapi-fetch: inquiry 300 (inquiryId " + inquiryId + ") -> payment " +
  payment.data.responseCode + " -> status " + final + " against mock");
`;
writeFileSync(join(dir, "conversation.mts"), conversation);
writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
  compilerOptions: { strict: true, target: "es2022", module: "nodenext", moduleResolution: "nodenext",
    skipLibCheck: true, types: ["node"], outDir: "dist", rootDir: ".." },
  files: ["conversation.mts"],
}, null, 2));

try {
  execFileSync(process.execPath, [join(nodeModules, "typescript/bin/tsc"), "-p", dir],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
} catch (error) {
  console.error(`consumer harness: openapi-fetch conversation does not compile under tsc --strict:\n${error.stdout}${error.stderr}`);
  process.exit(1);
}
console.log("ok tsc --strict: the openapi-fetch conversation compiles with no cast");
try {
  const out = execFileSync(process.execPath, [join(dir, "dist", "fetch", "conversation.mjs"), baseUrl],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
  process.stdout.write(out);
} catch (error) {
  console.error(`consumer harness: openapi-fetch conversation failed:\n${error.stdout}${error.stderr}`);
  process.exit(1);
}
