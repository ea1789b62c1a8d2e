"""Schemathesis hooks for the consumer harness's stateful run against `ppob-contract mock`.

Loaded with SCHEMATHESIS_HOOKS=schemathesis_hooks by tests/consumers/run.sh, with
schemathesis.toml beside it. What a partner's client does, Schemathesis is told here:
* auth: KEY is the demo partner; TOKEN is an HS256 JWT over the request fields, signed with
  the simulator's public demo secret (docs/simulator.md) over the body bytes actually sent
  (links fill the body after auth is applied, so signing happens in the HTTP session), and
  only where the auth provider put its placeholder: Schemathesis' own invalid-auth requests
  stay unsigned and must get 401/403;
* data: half of the positive inquiries use the simulator's test account (0811111111,
  product-code) so that the inquiry -> payment -> status links are followed; a payment
  without refNumber gets a fresh one (the partner's own reference, which no link carries);
* the documented convention: the API refuses a request with HTTP 200, success false and a
  failed (1xx) code, not a 4xx; schemathesis.toml lets negative_data_rejection accept 200 and
  `refused_in_the_envelope` checks that such a 200 is that refusal.
"""
import base64
import hashlib
import hmac
import json
import os
import uuid
import zlib
from pathlib import Path

import jsonschema
import requests
import schemathesis

# The simulator's public demo secret (docs/simulator.md); never a real partner's.
DEMO_SECRET = b"ppob-contract-demo-secret"
PLACEHOLDER = "signed-at-send"

def token(fields):
    """A TOKEN: an HS256 JWT whose payload is the request fields themselves."""
    def part(v): return base64.urlsafe_b64encode(v).rstrip(b"=").decode()
    h = part(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    p = part(json.dumps(fields, separators=(",", ":")).encode())
    s = hmac.new(DEMO_SECRET, f"{h}.{p}".encode(), hashlib.sha256).digest()
    return f"{h}.{p}.{part(s)}"

_send = requests.Session.send

def send_signed(self, request, **kwargs):
    """Signs TOKEN over the body about to be sent, where the auth provider left its placeholder."""
    if request.headers.get("TOKEN") == PLACEHOLDER:
        try:
            fields = json.loads(request.body or b"{}")
        except ValueError:
            fields = {}
        request.headers["TOKEN"] = token(fields if isinstance(fields, dict) else {})
    return _send(self, request, **kwargs)

requests.Session.send = send_signed

@schemathesis.auth()
class SignedToken:
    def get(self, case, context):
        return "partner-id"
    def set(self, case, data, context):
        body = case.body if isinstance(case.body, dict) else None
        positive = case.meta is None or not case.meta.generation.mode.is_negative
        if positive and body is not None:
            if case.path.endswith("/check") and zlib.crc32(json.dumps(body, sort_keys=True, default=str).encode()) % 2 == 0:
                body.update({"partnerId": "partner-id", "accountNumber": "0811111111", "productCode": "product-code"})
            if case.path.endswith("/payment") and "refNumber" not in body:
                body["refNumber"] = f"st-{uuid.uuid4().hex[:16]}"
        case.headers = {**(case.headers or {}), "KEY": data, "TOKEN": PLACEHOLDER}


SCHEMAS = Path(os.environ.get("PPOB_SCHEMAS", "schemas")) / "bundled"
REQUEST_KIND = {"/api/v2/bill/check": "inquiry.request", "/api/v2/bill/payment": "payment.request",
                "/api/v2/bill/status": "status.request"}


def valid_request(case) -> bool:
    """Whether the body is valid after all under the published request schema (JSON Schema
    counts 11063.0 as an integer; Schemathesis' negative mode may not)."""
    kind = REQUEST_KIND.get(case.path)
    if kind is None or not isinstance(case.body, dict):
        return False
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema).is_valid(case.body)


@schemathesis.check
def refused_in_the_envelope(ctx, response, case):
    """The API's convention: a request it refuses is answered HTTP 200 with success false and a
    failed (1xx) code, not a 4xx. So a schema-violating request answered 200 must be that."""
    if case.meta is None or not case.meta.generation.mode.is_negative or response.status_code != 200:
        return None
    body = response.json()
    if body.get("success") is False and 100 <= body.get("responseCode", -1) <= 199:
        return None
    if valid_request(case):
        return None
    raise AssertionError(f"a schema-violating request was answered HTTP 200 with responseCode "
                         f"{body.get('responseCode')}, success {body.get('success')}")
