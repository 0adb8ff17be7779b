"""The commented starter rubric written by ``grader rubric new``.

Its "Defaults" comment block is made from the schema's own defaults (``defaults_lines``),
so what the starter and the README say a part gets cannot drift from what it gets.
"""

from __future__ import annotations

from importlib import resources

from grader.rubric import models

__all__ = ["DEFAULTS_MARK", "defaults_lines", "starter_text"]

DEFAULTS_MARK = "# @DEFAULTS@"


def _on_off(model: type[models.Model]) -> str:
    return "on" if model.model_fields["partial_credit"].default else "off"


def defaults_lines() -> list[str]:
    """What a part gets when the rubric does not say, one line each (no comment marks)."""
    tolerance = models.Tolerance()
    defaults = models.Defaults()
    undecided = defaults.undecided.value
    others = [policy.value for policy in models.UndecidedPolicy if policy.value != undecided]
    return [
        "Defaults (what a part gets when the rubric does not say; every field: grader rubric schema):",
        f"  tolerance (number and array parts, numeric tuple/set items): rtol {tolerance.rtol:g}, atol {tolerance.atol:g};",
        "    accepted when |s - t| <= atol + rtol*|t| (an integer count: exactly, unless the part sets a tolerance;"
        " an expected 0 needs atol); sigfigs: d or decimals: d replace rtol/atol when set",
        f"  partial credit: array {_on_off(models.ArrayAnswer)} (partial_credit: true gives the share of right elements),",
        f"    tuple/set {_on_off(models.TupleAnswer)} (matched / max(given, expected); a set's repeated items count once), "
        f"network {_on_off(models.NetworkAnswer)} (share of inputs right);",
        "    expression, number, choice and constraint parts: all or nothing, except known-mistake rules (mistakes: score)",
        f"  undecided (neither proved nor refuted within the budget): {undecided} "
        f"(score 0 for now, flagged for a person; or {' / '.join(others)})",
        f"  visibility (Gradescope): {defaults.visibility.value}; match_boxed: {str(defaults.match_boxed).lower()}",
    ]


def starter_text() -> str:
    """Text of the starter rubric (every answer kind, commented)."""
    text = resources.files("grader.data").joinpath("starter.yaml").read_text(encoding="utf-8")
    block = "\n".join(f"# {line}".rstrip() for line in defaults_lines())
    return text.replace(DEFAULTS_MARK, block)
