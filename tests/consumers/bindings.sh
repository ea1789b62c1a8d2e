#!/usr/bin/env bash
# The packages of bindings/ as a team installs them (run by tests/consumers/run.sh):
#
#   bash tests/consumers/bindings.sh
#
# npm: `npm pack bindings/typescript`, the tarball installed into an empty project (its one
# dependency, ajv, from the registry), bindings/consumer.ts type-checked there with tsc --strict
# (the harness's pinned typescript) and run against the fixtures (bindings/check.mjs).
# PyPI: a wheel of bindings/python (pip wheel, flit_core from requirements.txt, no build
# isolation), installed into the harness venv, run against the fixtures (bindings/check.py).
# Both must be at the schema set's version (openapi.json's info.version).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=tools.sh
source "$here/tools.sh"
build="$root/target/consumers/bindings"
fixtures="$root/fixtures/mobile-postpaid"
version="$(node -p 'require(process.argv[1]).info.version' "$root/schemas/openapi.json")"
rm -rf "$build" && mkdir -p "$build/dist" "$build/ts"

# npm: pack, install the tarball into an empty project, tsc --strict, run.
(cd "$build/dist" && npm pack "$root/bindings/typescript" --silent > "$build/npm-pack.log" 2>&1) \
  || { cat "$build/npm-pack.log" >&2; exit 1; }
tarball="$build/dist/ppob-contract-schemas-$version.tgz"
[ -f "$tarball" ] || { ls "$build/dist" >&2; echo "consumer harness: npm pack wrote no ppob-contract-schemas-$version.tgz" >&2; exit 1; }
cp "$here/bindings/consumer.ts" "$build/ts/"
cat > "$build/ts/package.json" <<'JSON'
{ "name": "a-team", "private": true, "type": "module" }
JSON
(cd "$build/ts" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error "$tarball" > "$build/npm-install.log" 2>&1) \
  || { cat "$build/npm-install.log" >&2; exit 1; }
cat > "$build/ts/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "strict": true, "target": "es2022", "module": "nodenext", "moduleResolution": "nodenext",
    "types": [], "outDir": "out"
  },
  "files": ["consumer.ts"]
}
JSON
"$node_dir/node_modules/.bin/tsc" -p "$build/ts/tsconfig.json" > "$build/tsc.log" 2>&1 \
  || { cat "$build/tsc.log" >&2; echo "consumer harness: consumer.ts does not compile against the installed package" >&2; exit 1; }
echo "ok tsc --strict: consumer.ts compiles against the installed ppob-contract-schemas-$version.tgz (narrowing on success, no cast; a success literal with data {} refused)"
node "$here/bindings/check.mjs" "$build/ts/out/consumer.js" "$fixtures" "$version"

# PyPI: build the wheel, install it into the harness venv, run.
"$venv/bin/pip" wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation \
  -w "$build/dist" "$root/bindings/python" > "$build/pip-wheel.log" 2>&1 \
  || { cat "$build/pip-wheel.log" >&2; exit 1; }
wheel="$build/dist/ppob_contract_schemas-$version-py3-none-any.whl"
[ -f "$wheel" ] || { ls "$build/dist" >&2; echo "consumer harness: no ppob_contract_schemas-$version wheel" >&2; exit 1; }
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --force-reinstall "$wheel"
(cd "$build" && "$venv/bin/python" "$here/bindings/check.py" "$fixtures" "$version")
