"""pytest options shared by the suite.

Without torch (the ``reference`` extra: e.g. the Python 3.10 run of scripts/test.sh, for
which no pinned torch build exists here), tests/reference/ is not collected and tests
marked ``torch`` are skipped; the report's header says so.
"""

from __future__ import annotations

import importlib.util

import pytest

HAS_TORCH = importlib.util.find_spec("torch") is not None

collect_ignore_glob = [] if HAS_TORCH else ["reference/*.py"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="Rewrite the golden files of the end-to-end scenarios from the current outputs.",
    )


def pytest_report_header(config: pytest.Config) -> str | None:
    if HAS_TORCH:
        return None
    return "torch is not installed: tests/reference/ not collected, tests marked 'torch' skipped"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if HAS_TORCH:
        return
    skip = pytest.mark.skip(reason="needs torch (the 'reference' extra), not installed")
    for item in items:
        if "torch" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))
