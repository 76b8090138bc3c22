#!/usr/bin/env bash
# `make check` inside the runner container: the fast checks, in the order that
# fails soonest. Run it natively too, with DB_* pointing at a Postgres your
# user may create databases on (docs/architecture.md: "Without Docker").
### Usage: tests/check.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

step() {
    echo "==> $*" >&2
}

step "ruff check"
ruff check .
step "ruff format --check"
ruff format --check .
step "mypy"
mypy
step "lint-imports (the layers of the package)"
lint-imports --no-cache
step "blog and docs tests (pytest tests/blog tests/docs: formulas, relative links)"
pytest -p no:cacheprovider tests/blog tests/docs
step "app tests (pytest tests/web)"
pytest -p no:cacheprovider tests/web "$@"
