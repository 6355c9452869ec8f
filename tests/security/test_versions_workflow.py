"""The supported-versions job covers newest, pinned and oldest, and the docs state the range it proves."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from litellm_smoke.client.routes import ROUTE_MATRIX_LITELLM_VERSION

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "litellm-versions.yml"


def _matrix() -> dict[str, dict[str, str]]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    include = workflow["jobs"]["embedded"]["strategy"]["matrix"]["include"]
    return {entry["label"].split()[0]: entry for entry in include}


def test_newest_pinned_and_oldest_are_checked() -> None:
    matrix = _matrix()
    assert set(matrix) == {"newest", "pinned", "oldest"}
    assert matrix["newest"]["litellm"] == "litellm[proxy]"  # unpinned: whatever the index resolves
    pinned = re.search(r"\"litellm\[proxy\]>=([\d.]+)", (ROOT / "pyproject.toml").read_text())
    assert pinned is not None
    assert pinned.group(1) == ROUTE_MATRIX_LITELLM_VERSION
    assert matrix["pinned"]["litellm"] == f"litellm[proxy]=={ROUTE_MATRIX_LITELLM_VERSION}"
    workflow = WORKFLOW.read_text(encoding="utf-8")
    assert "LITELLM_SMOKE_ALLOW_VULNERABLE" not in workflow  # the supported range passes the version check as is


def test_docs_state_the_range_the_job_proves() -> None:
    oldest = _matrix()["oldest"]["litellm"].split("==")[1]
    docs = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    assert f"The supported range is **{oldest} and later**" in docs
    assert f"the pinned\n**{ROUTE_MATRIX_LITELLM_VERSION}**" in docs or f"**{ROUTE_MATRIX_LITELLM_VERSION}**" in docs
