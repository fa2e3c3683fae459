"""CI runs the whole suite: a tests/ folder that pytest does not collect is a defect."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_PARTS = {".venv", "venv", "node_modules", "staticfiles", ".git"}


def _test_folders() -> set[str]:
    folders = set()
    for path in ROOT.rglob("test_*.py"):
        relative = path.relative_to(ROOT)
        if not SKIP_PARTS & set(relative.parts):
            folders.add(str(relative.parent))
    return folders


def _collected_by_a_plain_run() -> set[str]:
    """What `pytest` with no arguments (make test, CI) collects, asked of pytest itself."""
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {str(Path(line.split("::")[0]).parent) for line in out.splitlines() if "::" in line}


def test_every_tests_folder_in_the_checkout_is_collected_by_a_plain_run():
    folders = _test_folders()
    assert {"tests", "spaces/tests", "programs/tests"} <= folders  # the walk finds them
    missing = sorted(folders - _collected_by_a_plain_run())
    assert not missing, f"tests that make test and CI never run: {missing}"
