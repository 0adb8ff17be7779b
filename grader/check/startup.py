"""Start-up costs of sympy: one ``grader gradescope run`` (one interpreter per submission)
and every worker of a batch (``grader.grading.worker.warm_up`` calls this before forking).

``sympy.simplify`` imports ``sympy.physics.units`` on its first call only to ask whether
the expression holds a unit ``Quantity`` (about 0.2 s on an idle core, 0.5 s on a busy
one: a fifth to a half of the per-submission budget). Answers are built by grader's own
parser, which never makes a ``Quantity``, so ``defer_sympy_units`` registers a stand-in
module whose ``Quantity`` is a class no expression holds. Any other attribute (or an
explicit import of something in the package) loads the real ``sympy.physics.units``,
which then replaces the stand-in, so nothing that really needs units is affected.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__all__ = ["UNITS_MODULE", "defer_sympy_units"]

UNITS_MODULE = "sympy.physics.units"


class _DeferredUnits(types.ModuleType):
    """Stands in for ``sympy.physics.units`` until something needs more than ``Quantity``."""

    _no_quantity: Any = None

    def __getattr__(self, attribute: str) -> Any:
        if attribute == "Quantity" and sys.modules.get(UNITS_MODULE) is self:
            return self._no_quantity
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        if sys.modules.get(UNITS_MODULE) is self:
            del sys.modules[UNITS_MODULE]
        real = importlib.import_module(UNITS_MODULE)
        return getattr(real, attribute)


def defer_sympy_units() -> bool:
    """Register the stand-in unless the real module is loaded; True when it was registered."""
    if UNITS_MODULE in sys.modules:
        return False
    import sympy

    class NoQuantity(sympy.Atom):
        """Never built: no expression ``has`` it."""

    stand_in = _DeferredUnits(UNITS_MODULE, "stand-in for sympy.physics.units (see grader.check.startup)")
    stand_in._no_quantity = NoQuantity
    sys.modules[UNITS_MODULE] = stand_in
    return True
