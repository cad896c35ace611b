#!/usr/bin/env bash
# Creates the peer harness's own virtual environment in bench/peers/.venv (gitignored) and
# installs bench/peers/requirements.txt into it with pip from the Python package index.
# Idempotent: does nothing when the venv already holds exactly these requirements.
# Not needed by `npm test`; needed by `npm run bench:peers` and to regenerate the fixtures.
# Size: ~6 GB, mostly the CUDA libraries torch's wheel for Linux x86_64 links (unused here).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
python="${PYTHON:-python3}"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/python" ]]; then
  echo "bench/peers/.venv is up to date"
  exit 0
fi
if ! "$python" -c 'import sys; assert sys.version_info >= (3, 10)' 2>/dev/null; then
  echo "bench/peers/setup.sh: needs Python >= 3.10 with the venv module ($python)" >&2
  exit 1
fi
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
"$venv/bin/python" -c 'import torch, jax, optax, lion_pytorch, pytorch_optimizer, safetensors, numpy'
echo "$want" > "$stamp"
echo "bench/peers/.venv ready: $("$venv/bin/python" -c 'import torch, jax; print("torch", torch.__version__, "jax", jax.__version__)')"
