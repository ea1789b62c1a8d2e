// A team's code against the installed npm package ppob-contract-schemas (tests/consumers/bindings.sh
// type-checks it with tsc --strict in a project that installed the `npm pack` tarball, then runs
// check.mjs against the compiled output). No cast anywhere.
import { KINDS, errors, validate, type Documents, type InquiryResponse, type Kind } from "ppob-contract-schemas";

/** The inquiry id of a valid successful inquiry answer; undefined for a failure; throws when invalid. */
export function inquiryIdOf(body: unknown): number | undefined {
  if (!validate("inquiry.response", body)) {
    const found = errors("inquiry.response", body).map((e) => `${e.pointer} ${e.keyword}: ${e.message}`);
    throw new Error(found.join("; "));
  }
  if (body.success) {
    return body.data.inquiryId; // InquiryData: narrowed on `success`
  }
  return undefined; // FailureData: look at body.responseCode
}

/** The payment token of a valid status answer, else undefined. */
export function tokenOf(body: unknown): string | undefined {
  return validate("status.response", body) && body.success ? body.data.token : undefined;
}

/** Whether `value` is a valid document of `kind`. */
export function isValid(kind: Kind, value: unknown): boolean {
  return validate(kind, value);
}

export const kinds: readonly Kind[] = KINDS;

export type Callback = Documents["callback"];

const message = { ID: "Inkuiri berhasil", EN: "Inquiry is successful" };
// @ts-expect-error a success answer with data {} is not an InquiryResponse
export const emptyData: InquiryResponse = { responseCode: 300, success: true, message, data: {} };
