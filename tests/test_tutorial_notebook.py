"""docs/tutorial.ipynb as committed: outputs cleared, on the default Python 3 kernel (the
venv's own interpreter when run by `make test`, which executes it with nbmake), and run
by `make test`."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"


def test_the_tutorial_is_committed_without_outputs() -> None:
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in code)
    # "python3" is jupyter's native kernel: the interpreter running the notebook's runner
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"


def test_make_test_executes_the_tutorial() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--nbmake tests docs/tutorial.ipynb" in makefile
    test_target = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "$(NOTEBOOKS)" in test_target
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
