"""The built-in checkers, one module per answer kind; importing this registers them."""

from grader.check.kinds import (
    array,
    choice,
    constraint,
    expression,
    manual,
    network,
    number,
    tuples,
)

__all__ = ["array", "choice", "constraint", "expression", "manual", "network", "number", "tuples"]
