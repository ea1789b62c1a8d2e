"""openapi-python-client's generated client against `ppob-contract mock` (run by run.sh).

    python python_client.py CLIENT_PARENT_DIR BASE_URL

CLIENT_PARENT_DIR holds `ppob_client`, what `openapi-python-client generate --path
schemas/openapi.json --meta none --output-path ppob_client` wrote. Checks that it has the three
endpoint modules and the callback's models, then drives inquiry -> payment -> status against
the mock at BASE_URL (127.0.0.1) with it, each call with KEY, VERSION and a TOKEN signed here
(HS256 over the request fields, the demo partner's public secret of docs/simulator.md).
"""

import base64
import hashlib
import hmac
import importlib
import json
import sys
import time
import uuid
from pathlib import Path

PARTNER = "partner-id"
# The simulator's public demo secret (docs/simulator.md); never a real partner's.
DEMO_SECRET = b"ppob-contract-demo-secret"


def token(fields: dict) -> str:
    """A TOKEN: an HS256 JWT whose payload is the request fields themselves."""
    def part(value: bytes) -> str:
        return base64.urlsafe_b64encode(value).rstrip(b"=").decode()
    header = part(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = part(json.dumps(fields, separators=(",", ":")).encode())
    signature = hmac.new(DEMO_SECRET, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{part(signature)}"


def main() -> int:
    parent, base_url = Path(sys.argv[1]).resolve(), sys.argv[2]
    sys.path.insert(0, str(parent))
    endpoints = sorted(p.stem for p in (parent / "ppob_client/api/bill").glob("*.py") if p.stem != "__init__")
    if endpoints != ["inquiry", "payment", "status"]:
        print(f"openapi-python-client: endpoint modules {endpoints}, expected inquiry, payment, status", file=sys.stderr)
        return 1
    print(f"ok openapi-python-client generated {len(endpoints)} endpoint modules: {', '.join(endpoints)}")

    from ppob_client import Client
    from ppob_client.api.bill import inquiry, payment, status
    from ppob_client.models import (
        InquiryRequest, InquirySuccess, InquiryVERSION, PaymentRequest, PaymentSuccess,
        PaymentVERSION, StatusFailure, StatusRequest, StatusSuccess, StatusVERSION)
    models = importlib.import_module("ppob_client.models")
    missing = [n for n in ("StatusSuccess", "StatusFailure", "StatusData") if not hasattr(models, n)]
    if missing:
        print(f"openapi-python-client: no callback model {missing}", file=sys.stderr)
        return 1

    client = Client(base_url=base_url, headers={"KEY": PARTNER}, timeout=10.0)

    def call(module, request, version):
        fields = request.to_dict()
        signed = client.with_headers({"TOKEN": token(fields)})
        return module.sync(client=signed, body=request, version=version)

    asked = InquiryRequest(partner_id=PARTNER, account_number="0811111111", product_code="product-code")
    found = call(inquiry, asked, InquiryVERSION.VALUE_0)
    if not isinstance(found, InquirySuccess) or found.response_code != 300:
        print(f"inquiry: expected InquirySuccess 300, got {found!r}", file=sys.stderr)
        return 1
    ref = f"py-{uuid.uuid4().hex[:16]}"
    pay = PaymentRequest(partner_id=PARTNER, ref_number=ref, account_number=found.data.account_number,
                         product_code="product-code", amount=found.data.amount,
                         inquiry_id=found.data.inquiry_id)
    paid = call(payment, pay, PaymentVERSION.VALUE_0)
    if not isinstance(paid, PaymentSuccess) or paid.data.ref_number != ref:
        print(f"payment: expected PaymentSuccess for {ref}, got {paid!r}", file=sys.stderr)
        return 1
    final = None
    for _ in range(40):  # bounded: the harness's mock settles after 200 ms
        final = call(status, StatusRequest(partner_id=PARTNER, ref_number=ref), StatusVERSION.VALUE_0)
        if isinstance(final, StatusFailure) or (isinstance(final, StatusSuccess) and final.response_code < 100):
            break
        time.sleep(0.1)
    if not isinstance(final, StatusSuccess) or final.response_code != 0 or not final.data.token:
        print(f"status: expected StatusSuccess 0 with a token, got {final!r}", file=sys.stderr)
        return 1
    print(f"ok openapi-python-client: inquiry 300 (inquiryId {found.data.inquiry_id}) -> payment "
          f"{paid.response_code} -> status {final.response_code} against mock")
    return 0


if __name__ == "__main__":
    sys.exit(main())
