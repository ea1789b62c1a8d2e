"""The Python half of the consumer harness (run by tests/consumers/run.sh).

    python python_check.py MODELS_DIR FIXTURES_DIR

MODELS_DIR is what `datamodel-codegen --output-model-type pydantic_v2.BaseModel` generated from
the schema set (one module per schema file). Every valid fixture must parse as its kind's model
in strict mode; every type-level invalid fixture (same rule as typescript.mjs) must be refused,
so a string amount is never coerced to an integer. Each response kind must be a RootModel over
<Op>Success | <Op>Failure told apart by `success` (Literal[True] / Literal[False]), and the
invalid success shapes (success with `data: {}`, success without inquiryId) must raise.
"""

import importlib
import json
import sys
import typing
from pathlib import Path

from pydantic import BaseModel, ValidationError

KINDS = [
    "inquiry.request", "inquiry.response", "payment.request", "payment.response",
    "status.request", "status.response", "callback",
]


def kind_of(name: str):
    stem = name.removesuffix(".json")
    return next((k for k in KINDS if stem == k or stem.endswith("." + k)), None)


def type_level(expect: dict) -> bool:
    findings = expect.get("findings", [])
    return bool(findings) and all(
        f["rule"] == "schema" and (
            f["message"].startswith("type:")
            or (f["message"].startswith("required:") and len(f["pointer"].split("/")) == 2))
        for f in findings)


def fixtures(directory: Path):
    for path in sorted(directory.glob("*.json")):
        if (kind := kind_of(path.name)):
            yield path, kind, True
    for path in sorted((directory / "invalid").glob("*.json")):
        if path.name.endswith(".expect.json") or not (kind := kind_of(path.name)):
            continue
        expect = json.loads(path.with_name(path.name.replace(".json", ".expect.json")).read_text())
        if type_level(expect):
            yield path, kind, False


def model_for(package: str, schemas: Path, kind: str) -> type[BaseModel]:
    title = json.loads((schemas / f"{kind}.schema.json").read_text())["title"]
    module = importlib.import_module(f"{package}.{kind.replace('.', '_')}_schema")
    model = getattr(module, title, None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise SystemExit(f"datamodel-codegen: no model {title} in {module.__name__}")
    return model


RESPONSES = [("inquiry.response", "Inquiry", "InquiryData"), ("payment.response", "Payment", "PaymentData"),
             ("status.response", "Status", "StatusData"), ("callback", "Status", "StatusData")]


def union_problem(model: type[BaseModel], op: str, complete: str):
    """The response model must be a RootModel over <Op>Success | <Op>Failure, told apart by
    `success` (Literal[True] / Literal[False]), data the complete model / FailureData."""
    if "root" not in model.model_fields:
        return f"{model.__name__} is not a RootModel over a union"
    members = typing.get_args(model.model_fields["root"].annotation)
    names = [getattr(m, "__name__", repr(m)) for m in members]
    if names != [f"{op}Success", f"{op}Failure"]:
        return f"root is {names}, not [{op}Success, {op}Failure]"
    for member, flag, data in zip(members, (True, False), (complete, "FailureData")):
        success = member.model_fields["success"].annotation
        if typing.get_origin(success) is not typing.Literal or typing.get_args(success) != (flag,):
            return f"{member.__name__}.success is {success!r}, not Literal[{flag}]"
        data_type = member.model_fields["data"].annotation
        if getattr(data_type, "__name__", None) != data:
            return f"{member.__name__}.data is {data_type!r}, not {data}"
    return None


def invalid_success_shapes(fixtures_dir: Path):
    """The invalid success answers a discriminated model must refuse."""
    seed = json.loads((fixtures_dir / "inquiry.response.json").read_text())
    without_id = {k: v for k, v in seed["data"].items() if k != "inquiryId"}
    return [
        ("success with code 300 and data {}", {**seed, "responseCode": 300, "success": True, "data": {}}),
        ("success without inquiryId", {**seed, "data": without_id}),
        ("success with a failure code and data {}", {**seed, "responseCode": 100, "success": True, "data": {}}),
    ]


def main() -> int:
    models_dir, fixtures_dir = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    schemas = Path(sys.argv[3]).resolve()
    sys.path.insert(0, str(models_dir.parent))
    package = models_dir.name
    failures = []
    checked = {True: 0, False: 0}
    for path, kind, valid in fixtures(fixtures_dir):
        model = model_for(package, schemas, kind)
        try:
            model.model_validate_json(path.read_bytes(), strict=True)
            if not valid:
                failures.append(f"{path}: accepted by {model.__name__} in strict mode, expected a type error")
        except ValidationError as error:
            if valid:
                failures.append(f"{path}: refused by {model.__name__} in strict mode:\n{error}")
        checked[valid] += 1
    if failures:
        print("consumer harness: pydantic strict FAILED\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print(f"ok pydantic strict: {checked[True]} valid fixtures parse, {checked[False]} type-level invalid ones are refused")
    if "--skip-unions" not in sys.argv:
        problems = [f"{kind}: {p}" for kind, op, complete in RESPONSES
                    if (p := union_problem(model_for(package, schemas, kind), op, complete))]
        if problems:
            print("consumer harness: pydantic discriminated union FAILED\n  " + "\n  ".join(problems), file=sys.stderr)
            return 1
        print("ok responses are unions told apart by success (Literal) in the pydantic output")
        model = model_for(package, schemas, "inquiry.response")
        accepted = []
        for what, doc in invalid_success_shapes(fixtures_dir):
            try:
                model.model_validate(doc, strict=True)
                accepted.append(what)
            except ValidationError:
                pass
        if accepted:
            print("consumer harness: pydantic accepts invalid success shapes: " + ", ".join(accepted), file=sys.stderr)
            return 1
        print(f"ok pydantic refuses the {len(invalid_success_shapes(fixtures_dir))} invalid success shapes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
