#!/usr/bin/env bash
# Installs Debian's chromium (and a font for readable screenshots) when /usr/bin/chromium is
# missing: the chart tests and the VS Code suite drive it with playwright-core. Idempotent and
# quiet when everything is present. Needs root (CI runs as root) or sudo.
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-chromium: /usr/bin/chromium is missing and this is not root (no sudo either)" >&2
    exit 1
  fi
fi

echo "ensure-chromium: installing chromium and fonts-dejavu-core with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null

if [ ! -x /usr/bin/chromium ]; then
  echo "ensure-chromium: apt-get finished but /usr/bin/chromium is still missing" >&2
  exit 1
fi
echo "ensure-chromium: $(/usr/bin/chromium --version 2>/dev/null || echo chromium installed)" >&2
