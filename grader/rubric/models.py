"""The rubric schema: pydantic v2 models, frozen, unknown keys rejected, every field documented.

A rubric is one YAML file per assignment::

    assignment: {id, title, course, version}
    defaults:   {tolerance, visibility, undecided, symbols}
    questions:  [{id, title, parts: [{id, points, prompt, answer: {kind: ...}, mistakes, tests}]}]

The ``answer`` of a part is chosen by its ``kind``. Expected values are either literals or a
``ref`` (a call of a reference implementation, evaluated when the answer key is built).
"""

from __future__ import annotations

import enum
import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


class Model(BaseModel):
    """Base: frozen, unknown keys are errors, field descriptions kept for the JSON Schema."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=False)


# --------------------------------------------------------------------------- enums


class Visibility(str, enum.Enum):
    """Gradescope visibility of a part's result (see Gradescope's results.json spec)."""

    visible = "visible"
    hidden = "hidden"
    after_due_date = "after_due_date"
    after_published = "after_published"


class UndecidedPolicy(str, enum.Enum):
    """What to do when symbolic equivalence can be neither proved nor refuted in the budget.

    - ``accept_if_numeric``: accept when high-precision numeric probing agrees everywhere
      (the verdict records that it was not proved);
    - ``manual_review``: score 0 for now and flag the answer for a person (default);
    - ``reject``: score 0 with an "could not be verified" message.
    """

    accept_if_numeric = "accept_if_numeric"
    manual_review = "manual_review"
    reject = "reject"


class Domain(str, enum.Enum):
    """Where a symbol's values live; random probing samples from here."""

    real = "real"
    positive = "positive"
    nonnegative = "nonnegative"
    nonzero = "nonzero"
    integer = "integer"
    positive_integer = "positive_integer"
    interval = "interval"


# --------------------------------------------------------------------------- building blocks


class Tolerance(Model):
    """How close a number must be to the expected value ``t`` for a submitted ``s``.

    Modes (the first that is set wins, in this order: ``sigfigs``, ``decimals``, then
    ``rtol``/``atol``):

    - ``rtol``/``atol`` (relative to the expected value ``t``, never to ``s``):
      accept when ``|s - t| <= atol + rtol * |t|``. Defaults: ``rtol = 1e-3``, ``atol = 0``
      (no absolute floor, so tiny expected values such as 1e-9 are still compared
      relatively); a tolerance that sets ``atol`` alone is absolute only (``rtol = 0``:
      ``atol: 0.001`` never accepts more than 0.001 away). With ``t == 0`` only ``atol``
      counts: a number part whose expected value is 0 must set ``atol`` (or
      ``sigfigs``/``decimals``), or ``grader rubric check`` reports an error.
    - ``sigfigs = d``: with ``n = d - 1 - floor(log10 |t|)``, accept when
      ``|s - t| < 0.51 * 10**(-n)`` (PrairieLearn's rule; ``t == 0`` needs ``|s| < 0.51 * 10**(-d+1)``).
    - ``decimals = d``: accept when ``|s - t| < 0.51 * 10**(-d)``.

    An integer expected value (a JSON integer or exact integer text: a count, a size, a
    number of multiplications) is compared exactly unless the part sets its own
    ``tolerance``; ``defaults.tolerance`` does not relax it. When both numbers are exact
    (integers, decimals, fractions) the test is decided in rational arithmetic, so an
    answer exactly on the boundary (``1.05`` for ``1`` at ``rtol: 0.05``) is accepted.
    NaN and infinities are always wrong.
    """

    rtol: float = Field(
        1e-3, ge=0, description="Relative tolerance, relative to the expected value t: accept |s - t| <= atol + rtol*|t|. "
        "Default 1e-3 (0 when atol is set alone). Integer expected values are compared exactly unless the part sets its "
        "own tolerance."
    )
    atol: float = Field(
        0.0, ge=0, description="Absolute tolerance added to rtol*|t|. Default 0 (no absolute floor); "
        "set alone, it is the whole tolerance (rtol 0). A number part whose expected value is 0 must set it."
    )

    @model_validator(mode="before")
    @classmethod
    def _absolute_alone(cls, data: Any) -> Any:
        """``atol`` without ``rtol`` is an absolute tolerance, not atol + 1e-3*|t|."""
        if isinstance(data, dict) and "atol" in data and "rtol" not in data:
            return {**data, "rtol": 0.0}
        return data
    sigfigs: int | None = Field(
        None, ge=1, le=15, description="Significant figures: |s - t| < 0.51*10^-(d-1-floor(log10|t|))."
    )
    decimals: int | None = Field(
        None, ge=0, le=15, description="Decimal places: |s - t| < 0.51*10^-d."
    )


class SymbolSpec(Model):
    """A symbol that answers may use, and the domain random probing samples it from.

    Also written as text: ``positive``, ``positive integer``, ``interval(-2, 3)``,
    ``matrix(3, 1)`` or ``identity`` (the parser ``grader compare --symbol`` uses too).
    """

    domain: Domain = Field(Domain.real, description="Where the symbol's values live.")
    low: float | None = Field(None, description="Interval domain: lower bound (exclusive).")
    high: float | None = Field(None, description="Interval domain: upper bound (exclusive).")
    shape: tuple[int, int] | None = Field(
        None,
        description="Matrix/vector symbol: [rows, cols] (vectors are [n, 1]). Checked by "
        "evaluating with random non-square arrays, so products do not commute.",
    )
    identity: bool = Field(
        False,
        description="This symbol is the identity matrix. Without 'shape' its size is taken "
        "from the matrices it is added to or multiplied with, so I in X^T X + lambda I and in "
        "X X^T + lambda I is d x d and n x n respectively.",
    )
    aliases: tuple[str, ...] = Field(
        (),
        description="Other spellings that mean this symbol, matched literally in the answer "
        "text, e.g. ['d_{t-1}', 'd^{(t-1)}'].",
    )
    description: str | None = Field(None, description="What the symbol stands for (for staff).")

    @model_validator(mode="before")
    @classmethod
    def _domain_text(cls, data: Any) -> Any:
        """``x: "interval(-2, 3)"`` / ``n: positive integer``: the shared domain parser."""
        if isinstance(data, str):
            from grader.rubric.domains import parse_domain

            return parse_domain(data)
        return data

    @model_validator(mode="after")
    def _interval_bounds(self) -> SymbolSpec:
        if self.identity and self.shape is not None and self.shape[0] != self.shape[1]:
            raise ValueError(f"an identity matrix is square, not {self.shape[0]}x{self.shape[1]}")
        if self.domain is Domain.interval:
            if self.low is None or self.high is None:
                raise ValueError("an interval domain needs both 'low' and 'high'")
            if not self.low < self.high:
                raise ValueError(f"interval is empty: low={self.low} >= high={self.high}")
        elif self.low is not None or self.high is not None:
            raise ValueError("'low'/'high' are only allowed with domain: interval")
        return self


class FunctionSpec(Model):
    """A named function answers may call (e.g. sigma), defined by an expression."""

    args: tuple[str, ...] = Field(("x",), description="Argument names used in 'definition'.")
    definition: str | None = Field(
        None,
        description="Expression in the args, e.g. '1/(1+exp(-x))'. Without a definition the "
        "function stays abstract (compared as an unknown function).",
    )


class RefCall(Model):
    """A call of a reference implementation (torch), evaluated when the answer key is built."""

    ref: str = Field(description="Catalog name of the reference function, e.g. 'norm.stats'.")
    args: dict[str, Any] = Field(default_factory=dict, description="Keyword arguments (JSON values).")
    select: str | None = Field(
        None,
        description="Path into the result: dot-separated keys and indices, e.g. 'mean' or "
        "'updated.0.weight'.",
    )
    transform: Literal["none", "transpose", "negate", "flatten"] = Field(
        "none", description="Applied to the selected result."
    )
    scale: float | None = Field(None, description="Multiply the selected result by this factor.")


Literal_ = str | float | int | bool | list[Any]
Expected = RefCall | Literal_


# --------------------------------------------------------------------------- answer kinds


class _AnswerBase(Model):
    undecided: UndecidedPolicy | None = Field(
        None, description="Overrides defaults.undecided for this part."
    )


class ExpressionAnswer(_AnswerBase):
    """A symbolic answer, checked for mathematical equivalence (not string equality).

    Numeric rejection at random points from each symbol's domain, then a time-limited
    symbolic proof, then high-precision numeric confirmation.
    """

    kind: Literal["expression"]
    expected: Expected = Field(description="Expression text in plain math or LaTeX, or a ref.")
    symbols: dict[str, SymbolSpec] = Field(
        default_factory=dict, description="Symbols answers may use (merged over defaults.symbols)."
    )
    functions: dict[str, FunctionSpec] = Field(
        default_factory=dict, description="Named functions answers may call."
    )
    lhs: str | None = Field(
        None,
        description="If answers may be written 'name = expr', the name expected on the left "
        "(e.g. 'lambda'); the right-hand side is compared.",
    )
    integer_checks: tuple[int, ...] = Field(
        (1, 2, 3, 5, 8),
        description="Values substituted for integer symbols used as sum/product bounds.",
    )
    tolerance: Tolerance | None = Field(None, description="Numeric agreement when probing.")


class NumberAnswer(_AnswerBase):
    """A real number, compared with a tolerance."""

    kind: Literal["number"]
    expected: Expected = Field(description="A number, an exact expression such as '1/3', or a ref.")
    tolerance: Tolerance | None = Field(
        None, description="Overrides defaults.tolerance. An integer expected value is compared exactly unless this is set."
    )


class ArrayAnswer(_AnswerBase):
    """A vector/matrix/tensor: shape first, then each element with a tolerance."""

    kind: Literal["array"]
    expected: Expected = Field(description="Nested list, or a ref.")
    tolerance: Tolerance | None = Field(None, description="Overrides defaults.tolerance.")
    partial_credit: bool = Field(
        False, description="Score = fraction of correct elements (when the shape is right)."
    )
    accept_flat: bool = Field(
        False,
        description="Accept a vector written as a row or a column, or a flat list with the "
        "right number of elements, as the expected shape.",
    )
    diagnose: bool = Field(
        True,
        description="Explain wrong arrays: transposed, off by a constant factor or sign, reshaped.",
    )


class TupleAnswer(_AnswerBase):
    """Several values in order (tuple) or in any order (set)."""

    kind: Literal["tuple", "set"]
    expected: Expected = Field(description="List of items (expression text or numbers), or a ref.")
    element: Literal["expression", "number"] = Field(
        "expression",
        description="How items are compared: 'number' reads every item as a number; 'expression' "
        "compares items symbolically, except that two items that are both plain numbers are "
        "compared as numbers with the part's tolerance.",
    )
    symbols: dict[str, SymbolSpec] = Field(default_factory=dict, description="Symbols items may use.")
    functions: dict[str, FunctionSpec] = Field(default_factory=dict, description="Named functions.")
    tolerance: Tolerance | None = Field(
        None, description="For numeric items (overrides defaults.tolerance; integer items are exact without it)."
    )
    partial_credit: bool = Field(
        False,
        description="WeBWorK-style credit matched / max(given, expected) when true. Default false: "
        "like arrays, a missing, extra or wrong item gives no credit. A set's repeated items count once.",
    )


class ChoiceOption(Model):
    """One option of a choice part."""

    id: str = Field(pattern=ID_PATTERN, description="Stable option id.")
    text: str = Field(description="How the option reads.")
    synonyms: tuple[str, ...] = Field((), description="Other answers that mean this option (case-insensitive).")


class ChoiceAnswer(_AnswerBase):
    """One (or several) of listed options."""

    @field_validator("options")
    @classmethod
    def _two_options(cls, value: tuple[ChoiceOption, ...]) -> tuple[ChoiceOption, ...]:
        if len(value) < 2:
            raise ValueError("a choice needs at least two options")
        return value

    kind: Literal["choice"]
    options: tuple[ChoiceOption, ...] = Field(description="The options (at least two).")
    expected: str | list[str] = Field(description="Correct option id, or ids when several are required.")


class Condition(Model):
    """A condition on the named values: 'lhs = rhs', or an inequality with '<', '<=', '>', '>='."""

    holds: str = Field(description="e.g. 'mu^2 + sigma^2 = 1/d' or 'beta > alpha'.")
    feedback: str | None = Field(None, description="Shown when this condition fails.")


class ConstraintAnswer(_AnswerBase):
    """Several named values that must satisfy conditions (questions with many right answers).

    The answer is 'name = value' pairs; each condition is checked by substituting them,
    symbolically and at random points of the remaining symbols' domains.
    """

    kind: Literal["constraint"]
    variables: tuple[str, ...] = Field(description="Names the student must give values for.")
    conditions: tuple[Condition, ...] = Field(description="Conditions the values must satisfy.")
    symbols: dict[str, SymbolSpec] = Field(
        default_factory=dict, description="Other symbols values may use (e.g. d)."
    )
    functions: dict[str, FunctionSpec] = Field(default_factory=dict, description="Named functions.")
    example: dict[str, str] | None = Field(None, description="One correct assignment (for templates and tests).")

    @field_validator("variables", "conditions")
    @classmethod
    def _not_empty(cls, value: tuple[Any, ...]) -> tuple[Any, ...]:
        if not value:
            raise ValueError("must list at least one item")
        return value


class NetworkAnswer(_AnswerBase):
    """Weights and biases of a constructed network, checked by running it on inputs.

    Answers are a mapping ``{layers: [{weight: [[...]], bias: [...], activation: step}]}``.
    The target comes from ``target`` (usually ``ref: network.truth_table``) as
    ``{inputs: [[...]], outputs: [[...]]}``.
    """

    kind: Literal["network"]
    expected: Expected = Field(description="The target: {inputs, outputs}, usually a ref to network.truth_table.")
    activation: Literal["step", "sigmoid", "relu", "identity", "sign"] = Field(
        "step", description="Default activation of layers that do not name one."
    )
    threshold: float = Field(0.5, description="Outputs >= threshold read as 1 at the final comparison.")
    partial_credit: bool = Field(True, description="Score = fraction of inputs answered right.")


class ManualAnswer(_AnswerBase):
    """Prose (a proof, an explanation): left for a person and reported as such."""

    kind: Literal["manual"]
    guidance: str | None = Field(None, description="What a grader should look for.")


AnswerSpec = Annotated[
    ExpressionAnswer | NumberAnswer | ArrayAnswer | TupleAnswer | ChoiceAnswer | ConstraintAnswer | NetworkAnswer | ManualAnswer,
    Field(discriminator="kind"),
]

KINDS = ("expression", "number", "array", "tuple", "set", "choice", "constraint", "network", "manual")


class Mistake(Model):
    """A known mistake: if the answer matches ``match`` give ``score`` and ``feedback``.

    Rules are tried in order, only when the answer is not correct. ``match`` is a value
    compared with the part's own checker and tolerance (a literal, or a ref such as the
    same statistic with ``unbiased: true``); ``transform`` derives it from the expected
    value instead (transposed, negated, scaled by ``factor``).
    """

    id: str = Field(pattern=ID_PATTERN, description="Stable rule id (recorded in results).")
    match: Expected | None = Field(None, description="The mistaken answer (literal or ref).")
    transform: Literal["transpose", "negate", "scale"] | None = Field(
        None, description="Derive the mistaken answer from the expected one."
    )
    factor: float | None = Field(None, description="With transform: scale, the factor.")
    score: float = Field(ge=0, le=1, description="Fraction of the part's points given.")
    feedback: str = Field(description="What the student is told.")
    note: str | None = Field(None, description="Answer note for statistics (defaults to the id).")

    @model_validator(mode="after")
    def _one_source(self) -> Mistake:
        if (self.match is None) == (self.transform is None):
            raise ValueError("a mistake needs exactly one of 'match' or 'transform'")
        if self.transform == "scale" and (self.factor is None or not math.isfinite(self.factor)):
            raise ValueError("transform: scale needs a finite 'factor'")
        return self


class SelfTest(Model):
    """A sample answer and the score (and note) the rubric must give it."""

    answer: Any = Field(description="The sample answer, as a student would write it.")
    score: float = Field(ge=0, le=1, description="Expected fraction of the part's points.")
    status: str | None = Field(None, description="Expected status (correct, partial, wrong, invalid, ...).")
    note: str | None = Field(None, description="Expected mistake rule id, if one must fire.")
    why: str | None = Field(None, description="What this case tests.")


class Part(Model):
    """One gradable part of a question."""

    id: str = Field(pattern=ID_PATTERN, description="Stable id, e.g. 'q4.1.mu_batch'; used in answers files.")
    points: float = Field(description="Points for a fully correct answer (> 0).")
    prompt: str = Field(description="Short text of what is asked (shown in templates and feedback).")
    answer: AnswerSpec = Field(description="What is expected and how it is checked, by kind.")
    mistakes: tuple[Mistake, ...] = Field((), description="Known-mistake rules, tried in order.")
    tests: tuple[SelfTest, ...] = Field((), description="Rubric self-tests (grader rubric test).")
    visibility: Visibility | None = Field(None, description="Overrides defaults.visibility.")
    tags: tuple[str, ...] = Field((), description="Free tags (shown on Gradescope).")

    @field_validator("points")
    @classmethod
    def _positive_points(cls, value: float) -> float:
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"points must be a positive number, got {value}")
        return value


class Question(Model):
    """A question groups parts."""

    id: str = Field(pattern=ID_PATTERN, description="Question id, e.g. 'q4'.")
    title: str | None = Field(None, description="Short title.")
    parts: tuple[Part, ...] = Field(description="The gradable parts (at least one).")

    @field_validator("parts")
    @classmethod
    def _has_parts(cls, value: tuple[Part, ...]) -> tuple[Part, ...]:
        if not value:
            raise ValueError("a question needs at least one part")
        return value


class AssignmentInfo(Model):
    """Which assignment this rubric grades."""

    id: str = Field(pattern=ID_PATTERN, description="Assignment id; answers files may name it.")
    title: str = Field(description="Human title.")
    course: str | None = Field(None, description="Course, e.g. 'IFT6135'.")
    version: str = Field("1", description="Rubric version (bump after a fix; the hash is recorded too).")
    source: str | None = Field(None, description="Where the questions come from.")


class Defaults(Model):
    """Defaults every part inherits unless it overrides them."""

    tolerance: Tolerance = Field(default_factory=Tolerance, description="Numeric tolerance.")
    visibility: Visibility = Field(Visibility.after_due_date, description="Gradescope visibility of scores.")
    undecided: UndecidedPolicy = Field(UndecidedPolicy.manual_review, description="When equivalence is undecided.")
    symbols: dict[str, SymbolSpec] = Field(default_factory=dict, description="Symbols shared by all parts.")
    functions: dict[str, FunctionSpec] = Field(default_factory=dict, description="Functions shared by all parts.")
    match_boxed: bool = Field(
        False,
        description="In LaTeX/Markdown write-ups, match untagged \\boxed{} answers to parts in document order.",
    )


class Rubric(Model):
    """A whole rubric file."""

    assignment: AssignmentInfo = Field(description="Which assignment this is.")
    defaults: Defaults = Field(default_factory=Defaults, description="Defaults for every part.")
    questions: tuple[Question, ...] = Field(description="Questions, each with parts (at least one).")

    @field_validator("questions")
    @classmethod
    def _has_questions(cls, value: tuple[Question, ...]) -> tuple[Question, ...]:
        if not value:
            raise ValueError("a rubric needs at least one question")
        return value

    def parts(self) -> list[Part]:
        """All parts in document order."""
        return [part for question in self.questions for part in question.parts]

    def part(self, part_id: str) -> Part:
        for part in self.parts():
            if part.id == part_id:
                return part
        raise KeyError(part_id)

    def total_points(self) -> float:
        return sum(part.points for part in self.parts())

    def symbols_for(self, part: Part) -> dict[str, SymbolSpec]:
        """Defaults' symbols overlaid with the part's own."""
        merged = dict(self.defaults.symbols)
        merged.update(getattr(part.answer, "symbols", {}) or {})
        return merged

    def functions_for(self, part: Part) -> dict[str, FunctionSpec]:
        merged = dict(self.defaults.functions)
        merged.update(getattr(part.answer, "functions", {}) or {})
        return merged

    def tolerance_for(self, part: Part) -> Tolerance:
        return getattr(part.answer, "tolerance", None) or self.defaults.tolerance

    def visibility_for(self, part: Part) -> Visibility:
        return part.visibility or self.defaults.visibility

    def undecided_for(self, part: Part) -> UndecidedPolicy:
        return part.answer.undecided or self.defaults.undecided
