# The consumer harness's pinned tools, installed once into target/consumers/ (sourced by
# tests/consumers/run.sh and xtask/bindings/generate.sh, never run on its own):
#   node tools: `npm ci` from tests/consumers/package-lock.json into target/consumers/node
#   Python tools: tests/consumers/requirements.txt (exact pins) into target/consumers/venv
# Each is redone only when its pin file changes; an flock on target/consumers/.install.lock keeps
# two callers (the harness and the bindings freshness test run side by side) from installing at
# once. Sets node_dir and venv; exits 2 when node, npm or python3 is missing.

consumers_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
consumers_build="$(cd "$consumers_here/../.." && pwd)/target/consumers"
mkdir -p "$consumers_build"
for tool in node npm python3; do
  command -v "$tool" >/dev/null || { echo "consumer tools: $tool not found (.ci/run installs it)" >&2; exit 2; }
done
node_dir="$consumers_build/node"
venv="$consumers_build/venv"

exec 9> "$consumers_build/.install.lock"
flock 9
if ! cmp -s "$consumers_here/package-lock.json" "$node_dir/package-lock.json" 2>/dev/null || [ ! -d "$node_dir/node_modules" ]; then
  rm -rf "$node_dir" && mkdir -p "$node_dir"
  cp "$consumers_here/package.json" "$consumers_here/package-lock.json" "$node_dir/"
  (cd "$node_dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi
if ! cmp -s "$consumers_here/requirements.txt" "$venv/requirements.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$consumers_here/requirements.txt"
  cp "$consumers_here/requirements.txt" "$venv/requirements.txt"
fi
flock -u 9
exec 9>&-
