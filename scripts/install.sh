#!/usr/bin/env bash
# Installs ppob-contract from a release: the prebuilt binary for this machine, its SHA-256
# checked against the release's SHA256SUMS; when the release has no binary for this machine,
# a source build with `cargo install --locked` of the same tag. The composite action
# (action.yml) and the GitLab job of docs/ci/gitlab-ci.yml call it.
#
#   bash scripts/install.sh --version v0.1.0 --repo OWNER/NAME --dest DIR [--target TRIPLE]
#                           [--base-url URL] [--no-source]
#
# Puts the binary at DIR/bin/ppob-contract (.exe on Windows). --base-url replaces
# https://github.com/OWNER/NAME/releases/download/VERSION (a mirror; file:// for the tests).
# Exit 0 installed; 2 bad usage or a tool missing; 3 refused: the download does not match
# its checksum, or the release has no SHA256SUMS (nothing unverified is installed, and no
# source build is tried in its place); 4 no prebuilt binary and --no-source (or the source
# build failed).
set -euo pipefail

usage() { echo "usage: install.sh --version TAG --repo OWNER/NAME --dest DIR [--target TRIPLE] [--base-url URL] [--no-source]" >&2; exit 2; }
say() { echo "ppob-contract install: $*" >&2; }

version="" repo="" dest="" target="" base="" source_build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="${2:-}"; shift 2 ;;
    --repo) repo="${2:-}"; shift 2 ;;
    --dest) dest="${2:-}"; shift 2 ;;
    --target) target="${2:-}"; shift 2 ;;
    --base-url) base="${2:-}"; shift 2 ;;
    --no-source) source_build=0; shift ;;
    *) usage ;;
  esac
done
[ -n "$version" ] && [ -n "$repo" ] && [ -n "$dest" ] || usage
case "$version" in v[0-9]*) ;; *) say "--version is a release tag such as v0.1.0, got '$version'"; exit 2 ;; esac

# The release's name for this machine: static musl binaries on Linux.
if [ -z "$target" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) target=x86_64-unknown-linux-musl ;;
    Linux-aarch64 | Linux-arm64) target=aarch64-unknown-linux-musl ;;
    Darwin-x86_64) target=x86_64-apple-darwin ;;
    Darwin-arm64) target=aarch64-apple-darwin ;;
    MINGW*-x86_64 | MSYS*-x86_64 | CYGWIN*-x86_64) target=x86_64-pc-windows-msvc ;;
    *) target=unknown ;;
  esac
fi
exe=""
case "$target" in *windows*) exe=".exe" ;; esac
archive="ppob-contract-$version-$target.tar.gz"
base="${base:-https://github.com/$repo/releases/download/$version}"

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null; then shasum -a 256 "$1" | cut -d' ' -f1
  else say "neither sha256sum nor shasum found"; exit 2
  fi
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

from_source() {
  if [ "$source_build" = 0 ]; then
    say "no prebuilt binary for $target in $version, and --no-source"
    exit 4
  fi
  if ! command -v cargo >/dev/null; then
    say "no prebuilt binary for $target in $version, and no cargo on PATH to build it (https://rustup.rs)"
    exit 4
  fi
  say "no prebuilt binary for $target in $version: building from source (cargo install --locked)"
  if ! cargo install --locked --root "$dest" \
      --git "https://github.com/$repo" --tag "$version" ppob-contract; then
    say "the source build failed"
    exit 4
  fi
}

fetch() { curl --fail --silent --show-error --location --retry 3 --output "$2" "$1"; }

if [ "$target" = unknown ] || ! fetch "$base/$archive" "$work/$archive" 2>"$work/curl.log"; then
  from_source
else
  if ! fetch "$base/SHA256SUMS" "$work/SHA256SUMS" 2>>"$work/curl.log"; then
    say "refused: $version has $archive but no SHA256SUMS to check it against"
    exit 3
  fi
  expected="$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1 }' "$work/SHA256SUMS")"
  actual="$(sha256 "$work/$archive")"
  if [ -z "$expected" ]; then
    say "refused: SHA256SUMS of $version does not list $archive"
    exit 3
  fi
  if [ "$expected" != "$actual" ]; then
    say "refused: $archive does not match SHA256SUMS (expected $expected, got $actual)"
    exit 3
  fi
  mkdir -p "$work/unpacked" "$dest/bin"
  tar -xzf "$work/$archive" -C "$work/unpacked"
  [ -f "$work/unpacked/ppob-contract$exe" ] || { say "refused: $archive holds no ppob-contract$exe"; exit 3; }
  cp "$work/unpacked/ppob-contract$exe" "$dest/bin/ppob-contract$exe"
  chmod 0755 "$dest/bin/ppob-contract$exe"
  say "installed $version ($target, sha256 $actual) into $dest/bin"
fi
"$dest/bin/ppob-contract$exe" --version
