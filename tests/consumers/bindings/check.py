"""The Python package of bindings/ as a team uses it (tests/consumers/bindings.sh installs its
wheel into the harness venv first):

    python check.py FIXTURES_DIR VERSION

Every valid fixture parses as its kind's model in strict mode; the invalid success shapes
(python_check.py's) and every type-level invalid fixture raise; the installed version is the
schema set's; the bundled schemas ship inside the package.
"""

import json
import sys
from importlib.metadata import version as installed_version
from pathlib import Path

from pydantic import ValidationError

import ppob_contract_schemas
from ppob_contract_schemas import MODELS, parse, schema
from ppob_contract_schemas.models import InquirySuccess

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from python_check import fixtures, invalid_success_shapes  # noqa: E402


def main() -> int:
    fixtures_dir, version = Path(sys.argv[1]).resolve(), sys.argv[2]
    failures = []
    if ppob_contract_schemas.__version__ != version or installed_version("ppob-contract-schemas") != version:
        failures.append(f"installed {installed_version('ppob-contract-schemas')} "
                        f"(__version__ {ppob_contract_schemas.__version__}), not {version}")
    if "site-packages" not in ppob_contract_schemas.__file__:
        failures.append(f"imported from {ppob_contract_schemas.__file__}, not the installed wheel")
    checked = {True: 0, False: 0}
    for path, kind, valid in fixtures(fixtures_dir):
        try:
            parse(kind, path.read_bytes())
            if not valid:
                failures.append(f"{path.name}: accepted as {kind}")
        except ValidationError as error:
            if valid:
                failures.append(f"{path.name}: refused as {kind}:\n{error}")
        checked[valid] += 1
    seed = parse("inquiry.response", (fixtures_dir / "inquiry.response.json").read_bytes())
    if not isinstance(seed.root, InquirySuccess) or seed.root.data.inquiryId <= 0:
        failures.append("inquiry.response.json does not parse as an InquirySuccess with its inquiryId")
    shapes = invalid_success_shapes(fixtures_dir)
    for what, doc in shapes:
        try:
            parse("inquiry.response", json.dumps(doc))
            failures.append(f"accepts the invalid success shape: {what}")
        except ValidationError:
            pass
    for kind in MODELS:
        if not schema(kind).get("$id", "").endswith(f"/bundled/{kind}.schema.json"):
            failures.append(f"schema({kind!r}) is not the bundled schema")
    if failures:
        print("consumer harness: the Python package ppob-contract-schemas FAILED\n  " + "\n  ".join(failures),
              file=sys.stderr)
        return 1
    print(f"ok Python package ppob-contract-schemas {version} (wheel): {checked[True]} valid fixtures parse, "
          f"{checked[False]} type-level invalid ones and the {len(shapes)} invalid success shapes raise")
    return 0


if __name__ == "__main__":
    sys.exit(main())
