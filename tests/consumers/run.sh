#!/usr/bin/env bash
# Consumer harness: what another-language team gets from schemas/, proven on every fixture.
#
#   bash tests/consumers/run.sh [PPOB_CONTRACT_BINARY]
#
# Installs the pinned tools into target/consumers/ (npm ci from package-lock.json; a venv with
# requirements.txt), generates TypeScript (json-schema-to-typescript, openapi-typescript) and
# Python (datamodel-code-generator, pydantic v2) from schemas/ into target/consumers/ (never
# committed), then checks every fixture of fixtures/mobile-postpaid/ (found by glob) with tsc
# --strict, pydantic strict mode and Ajv 2020 against `ppob-contract validate`. It also checks the
# self-contained schemas of schemas/bundled/ with check-jsonschema offline, and drives
# inquiry -> payment -> status against `ppob-contract mock` (started here on 127.0.0.1) with the
# client openapi-python-client generates and with openapi-typescript + openapi-fetch. Go from
# quicktype (tests/consumers/go/) round-trips every valid fixture. Then the
# packages of bindings/ as a team installs them (bindings.sh: npm pack + tsc --strict, a wheel
# + pydantic) and every snippet of docs/consumers.md as written (docs.mjs). Exit 1 when a check
# fails, 2 when a tool is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${1:-$root/target/debug/ppob-contract}"
build="$root/target/consumers"
schemas="$root/schemas"
fixtures="$root/fixtures/mobile-postpaid"
mkdir -p "$build"

[ -x "$bin" ] || { echo "consumer harness: $bin is not built" >&2; exit 2; }
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

# The pinned tools (npm ci from package-lock.json, the exact pins of requirements.txt into a
# venv), installed once into target/consumers/: sets node_dir and venv.
# shellcheck source=tools.sh
source "$here/tools.sh"

# The union of named data types is asserted once the schemas carry $ids (the consumer-first
# shape of issue 10); before that the harness says it skipped it.
unions=check
grep -q '"\$id"' "$schemas/inquiry.response.schema.json" || unions=skip
[ "$unions" = skip ] && echo "SKIPPED data-union assertions: schemas/ has no \$id yet (pre consumer-first shape)"

# ppob-contract's verdict on every fixture, for Ajv to agree with.
mapfile -t fixture_files < <(find "$fixtures" "$fixtures/invalid" -maxdepth 1 -name '*.json' ! -name '*.expect.json' | sort)
verdicts="$build/verdicts.json"
set +e
"$bin" validate --format json "${fixture_files[@]}" > "$verdicts"
code=$?
set -e
[ "$code" -le 1 ] || { echo "consumer harness: ppob-contract validate exited $code" >&2; exit 1; }

PPOB_CONSUMERS_NODE_MODULES="$node_dir/node_modules" PPOB_CONSUMERS_UNIONS="$unions" \
  node "$here/typescript.mjs" "$schemas" "$fixtures" "$build" "$verdicts"

# Python models from the per-kind schemas and the bundles they reference (not the report
# schema, not openapi.json).
py_in="$build/py-input" py_out="$build/py/ppob_models"
rm -rf "$py_in" "$build/py" && mkdir -p "$py_in" "$build/py"
find "$schemas" -maxdepth 1 -name '*.json' ! -name 'report.schema.json' ! -name 'openapi.json' -exec cp {} "$py_in/" \;
"$venv/bin/datamodel-codegen" --input "$py_in" --input-file-type jsonschema \
  --output "$py_out" --output-model-type pydantic_v2.BaseModel 2> "$build/datamodel-codegen.log" \
  || { cat "$build/datamodel-codegen.log" >&2; exit 1; }
echo "ok generate Python (datamodel-code-generator, pydantic v2) into target/consumers/py"
skip_unions=()
[ "$unions" = skip ] && skip_unions=(--skip-unions)
"$venv/bin/python" "$here/python_check.py" "$py_out" "$fixtures" "$schemas" "${skip_unions[@]}"

# quicktype Go from the self-contained schemas: a type per kind and, as top-level types too,
# the named shapes of `data` (Go has no unions: quicktype gives each response's `data` one
# struct of optional fields). tests/consumers/go/main.go (standard library only) round-trips
# every valid fixture and decodes each response's data into the shape `success` names. No
# module is ever downloaded: GOPROXY=off, GOFLAGS=-mod=mod, caches under target/consumers/.
command -v go >/dev/null || { echo "consumer harness: go not found (.ci/run installs golang-go)" >&2; exit 2; }
go_dir="$build/go"
rm -rf "$go_dir" && mkdir -p "$go_dir"
cp "$here/go/main.go" "$go_dir/"
printf 'module ppobconsumer\n\ngo 1.19\n' > "$go_dir/go.mod"
bundled="$schemas/bundled"
"$node_dir/node_modules/.bin/quicktype" --lang go --src-lang schema --package main -o "$go_dir/models.go" \
  "$bundled/inquiry.request.schema.json" "$bundled/inquiry.response.schema.json" \
  "$bundled/payment.request.schema.json" "$bundled/payment.response.schema.json" \
  "$bundled/status.request.schema.json" "$bundled/status.response.schema.json" "$bundled/callback.schema.json" \
  "$bundled/inquiry.response.schema.json#/\$defs/InquiryData" "$bundled/payment.response.schema.json#/\$defs/PaymentData" \
  "$bundled/status.response.schema.json#/\$defs/StatusData" "$bundled/inquiry.response.schema.json#/\$defs/FailureData" \
  > "$build/quicktype.log" 2>&1 || { cat "$build/quicktype.log" >&2; exit 1; }
echo "ok generate Go (quicktype $("$node_dir/node_modules/.bin/quicktype" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+'), $(go version | cut -d' ' -f3)) into target/consumers/go"
go_env=(GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local GOCACHE="$build/go-cache" GOPATH="$build/go-path")
(cd "$go_dir" && env "${go_env[@]}" go vet . && env "${go_env[@]}" go run . "$fixtures")

# The self-contained schemas of schemas/bundled/ with check-jsonschema, offline (in a network
# namespace without network when `unshare -n` is allowed, as root on CI): every valid fixture
# passes, the empty-data success answer fails.
offline=()
unshare -n true 2>/dev/null && offline=(unshare -n)
for kind in inquiry.request inquiry.response payment.request payment.response status.request status.response callback; do
  mapfile -t valid < <(find "$fixtures" -maxdepth 1 -name "*$kind.json" ! -name '*.expect.json' | sort)
  "${offline[@]}" "$venv/bin/check-jsonschema" --schemafile "$schemas/bundled/$kind.schema.json" "${valid[@]}" > "$build/check-jsonschema.log" 2>&1 \
    || { cat "$build/check-jsonschema.log" >&2; echo "consumer harness: check-jsonschema refuses a valid $kind fixture" >&2; exit 1; }
done
if "${offline[@]}" "$venv/bin/check-jsonschema" --schemafile "$schemas/bundled/inquiry.response.schema.json" \
    "$fixtures/invalid/empty-data-on-success.inquiry.response.json" > "$build/check-jsonschema.log" 2>&1; then
  echo "consumer harness: check-jsonschema accepts a success answer with data {}" >&2; exit 1
fi
echo "ok check-jsonschema --schemafile schemas/bundled/<kind>.schema.json: valid fixtures pass, data {} on success fails (${offline[*]:-network not cut: unshare -n not allowed})"

# openapi-python-client: a client from openapi.json (ruff, pinned, formats it from the venv).
rm -rf "$build/opc" && mkdir -p "$build/opc"
(cd "$build/opc" && PATH="$venv/bin:$PATH" "$venv/bin/openapi-python-client" generate \
  --path "$schemas/openapi.json" --meta none --output-path ppob_client > "$build/openapi-python-client.log" 2>&1) \
  || { cat "$build/openapi-python-client.log" >&2; exit 1; }

# The mock on a free 127.0.0.1 port, payments settling after 200 ms, stopped on exit.
mock_log="$build/mock.log"
"$bin" mock --port 0 --settle-after 200ms > "$build/mock.out" 2> "$mock_log" &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null || true' EXIT
base_url=""
for _ in $(seq 1 100); do
  base_url="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$build/mock.out" 2>/dev/null | head -1 || true)"
  [ -n "$base_url" ] && break
  kill -0 "$mock_pid" 2>/dev/null || { cat "$mock_log" >&2; echo "consumer harness: mock exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$base_url" ] || { echo "consumer harness: mock printed no address" >&2; exit 1; }

"$venv/bin/python" "$here/python_client.py" "$build/opc" "$base_url"
PPOB_CONSUMERS_NODE_MODULES="$node_dir/node_modules" node "$here/fetch_conversation.mjs" "$build" "$base_url"

# Schemathesis' stateful phase follows the OpenAPI links (inquiry -> payment -> status) against
# the mock; configured for the API's HTTP-200-failure-code convention (schemathesis.toml,
# schemathesis_hooks.py). A fixed seed keeps the run reproducible.
st_log="$build/schemathesis.log"
if ! (cd "$build" && PYTHONPATH="$here" SCHEMATHESIS_HOOKS=schemathesis_hooks PPOB_SCHEMAS="$schemas" \
    "$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" run "$schemas/openapi.json" \
    --url "$base_url" --phases stateful --seed 24 --no-color > "$st_log" 2>&1); then
  cat "$st_log" >&2; echo "consumer harness: Schemathesis stateful run failed" >&2; exit 1
fi
grep -q 'API Links: *2 covered / 2 selected / 2 total' "$st_log" \
  || { cat "$st_log" >&2; echo "consumer harness: Schemathesis did not follow both links" >&2; exit 1; }
echo "ok Schemathesis stateful: both links followed against mock, $(grep -oE '[0-9]+ generated, [0-9]+ passed' "$st_log" | head -1), 0 failures"

# The packages of bindings/ as a team installs them: the npm pack tarball in an empty project
# under tsc --strict, the wheel in the venv, both against every fixture (bindings.sh).
bash "$here/bindings.sh"

# Every snippet of docs/consumers.md, as written, with the pinned tools and this ppob-contract
# first on PATH (docs.mjs).
PATH="$venv/bin:$node_dir/node_modules/.bin:$(dirname "$bin"):$PATH" \
  PPOB_CONSUMERS_NODE_MODULES="$node_dir/node_modules" \
  node "$here/docs.mjs" "$root/docs/consumers.md" "$root" "$build/docs"
