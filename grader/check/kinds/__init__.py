"""The built-in checkers, one module per answer kind; importing this registers them."""

from grader.check.kinds import array, expression, number

__all__ = ["array", "expression", "number"]
