"""Every docstring example in the installed package runs, imported by its ``rekg…`` name.

pytest's ``--doctest-modules`` would import ``graph/x.py`` as a second module ``graph.x``
beside ``rekg.graph.x``; walking the package keeps one module per file.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

#: The packages the folders are installed as (an editable install maps each one separately,
#: so walking ``rekg.__path__`` alone would not find them).
ROOTS = ("rekg.api", "rekg.graph", "rekg.ontology")


def _modules() -> list[str]:
    names = ["rekg", *ROOTS]
    for root in ROOTS:
        package = importlib.import_module(root)
        names += [info.name for info in pkgutil.walk_packages(package.__path__, root + ".")]
    # __main__ modules run the CLI when imported.
    return sorted(n for n in names if not n.endswith("__main__"))


MODULES = _modules()


def test_every_folder_is_walked() -> None:
    for package in ("rekg.api", "rekg.graph.network", "rekg.graph.store", "rekg.ontology"):
        assert package in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_examples(name: str) -> None:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):
        if test.filename is None or not test.examples:
            continue
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
