"""Start-up: the command line's help and its input commands load neither Pyomo nor HiGHS."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

PROBE = """
import sys
from planner.cli.main import main
try:
    code = main({argv!r})
except SystemExit as exc:
    code = exc.code
print("LOADED", "pyomo" in sys.modules, "highspy" in sys.modules, code)
"""


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["validate", "data/examples/leaf-xstorage.toml"], ["tariffs", "list"], ["models", "list"]],
)
def test_input_commands_do_not_import_the_solver_stack(argv):
    proc = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    line = [x for x in proc.stdout.splitlines() if x.startswith("LOADED")][-1]
    assert line.split()[1:3] == ["False", "False"], line
    assert line.split()[3] in ("0", "None"), proc.stderr


def test_public_names_still_resolve_lazily():
    import planner

    for name in planner.__all__:
        assert getattr(planner, name) is not None
    with pytest.raises(AttributeError):
        planner.no_such_name  # noqa: B018
