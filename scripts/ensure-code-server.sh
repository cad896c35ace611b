#!/usr/bin/env bash
# Installs what the real-VS-Code suite (test/e2e/) needs, when missing: Debian's chromium (via
# ensure-chromium.sh), ripgrep and libkrb5-dev, and code-server@4.100.3 (VS Code 1.100.3, the
# last one for Node 20) into .cache/code-server (git-ignored, ~300 MB, never in the .vsix).
# Idempotent and quiet when everything is there. The traps it works around are commented below.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.100.3
DEST=.cache/code-server
BIN="$DEST/node_modules/.bin/code-server"

bash scripts/ensure-chromium.sh

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
need=()
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
[ -e /usr/include/krb5.h ] || [ -e /usr/include/krb5/krb5.h ] || need+=(libkrb5-dev)
command -v make >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1 || need+=(build-essential)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  echo "ensure-code-server: installing ${need[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ -x "$BIN" ] && [ "$(node -p "require('./$DEST/node_modules/code-server/package.json').version" 2>/dev/null)" = "$VERSION" ]; then
  exit 0
fi

# @vscode/ripgrep's postinstall downloads rg from outside: seed its cache with Debian's rg.
# code-server 4.100.3 pins @vscode/ripgrep 1.15.11, which looks for ripgrep v13.0.0-10.
RG_CACHE=/tmp/vscode-ripgrep-cache-1.15.11
RG_TAR="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$RG_TAR" ]; then
  mkdir -p "$RG_CACHE"
  tmp=$(mktemp -d)
  cp "$(command -v rg)" "$tmp/rg"
  tar -C "$tmp" -czf "$RG_TAR" rg
  rm -rf "$tmp"
fi

echo "ensure-code-server: installing code-server@$VERSION into $DEST (a few minutes: native modules build)" >&2
mkdir -p "$DEST"
[ -f "$DEST/package.json" ] || echo '{ "name": "code-server-cache", "private": true }' > "$DEST/package.json"
# code-server's postinstall refuses root without unsafe-perm (which npm 11 dropped as a flag);
# node-pty's postinstall runs npx node-gyp, which must not stop to ask.
npm_config_unsafe_perm=true npm_config_yes=true npm install --prefix "$DEST" --no-audit --no-fund --loglevel=error "code-server@$VERSION" >&2
"$BIN" --version --config "$DEST/config.yaml" >/dev/null
echo "ensure-code-server: $("$BIN" --version --config "$DEST/config.yaml" | head -1)" >&2
