"""The JSON API keeps the promises of its /openapi.json, through Caddy over HTTPS.

schemathesis reads the document the running site serves and sends what it
allows and what it forbids (bounds, missing parameters, odd methods), with
every check it has: no 5xx, only documented statuses, bodies and headers as
described, valid input accepted and invalid input refused.
"""

import shutil
import subprocess
import sys
from pathlib import Path

from tests.stack.conftest import Stack

# A budget for the whole run: every phase runs, and fuzzing repeats until
# the time is spent.
BUDGET_SECONDS = 60


def test_the_api_answers_as_its_openapi_document_says(stack: Stack, tmp_path: Path) -> None:
    # The schemathesis of the test runner's virtualenv (the dev dependency group).
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert schemathesis, "schemathesis is not installed: uv sync --group dev"
    result = subprocess.run(
        [
            schemathesis, "run", f"{stack.base_url}/openapi.json",
            "--checks", "all",
            "--max-time", str(BUDGET_SECONDS),
            "--request-timeout", "15",
            # Trust the stack's own CA, as every stack test does; never skip verification.
            "--tls-verify", str(stack.artifacts / "secrets" / "caddy-local-ca.crt"),
            # Keep nothing between runs (and write nothing into the checkout).
            "--generation-database", "none",
            "--no-color",
        ],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=BUDGET_SECONDS + 120,
    )  # fmt: skip
    summary = result.stdout[result.stdout.rfind("SUMMARY") :] or result.stdout[-3000:]
    print(f"schemathesis: {summary}")
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-3000:]
