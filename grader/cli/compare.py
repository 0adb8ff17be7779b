"""``grader compare``: check one answer against an expected value, or a JSONL batch of them.

One pair::

    grader compare "tanh(x)" "2*sigma(2x) - 1" --function "sigma=1/(1+exp(-x))"
    grader compare "[[1, 2], [3, 4]]" "[[1, 3], [2, 4]]" --kind array --json

Batch: see ``grader.check.compare`` for the JSONL contract. The exit code is 0 whatever the
verdicts (2 on usage errors).
"""

from __future__ import annotations

import json
from typing import Any

import click

from grader.check.compare import (
    ELEMENTS,
    KINDS,
    POLICIES,
    CompareCase,
    case_problem,
    compare_batch,
    compare_supervised,
    parse_domain,
)

__all__ = ["compare"]



def _split_option(text: str, separator: str, what: str) -> tuple[str, str]:
    if separator not in text:
        raise click.BadParameter(f"{text!r}: expected NAME{separator}{what}")
    name, value = text.split(separator, 1)
    return name.strip(), value.strip()


def _cli_value(text: str, kind: str) -> Any:
    """A command-line value: JSON lists for arrays/tuples when it is JSON, else the text."""
    if kind in ("array", "tuple", "set") and text.strip().startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text


def _print_result(expected: str, result: dict[str, Any]) -> None:
    click.echo(f"expected: {expected}")
    click.echo(f"read as:  {result['parsed']}")
    click.echo(f"status:   {result['status']} (score {result['score']:g})")
    click.echo(f"feedback: {result['feedback']}")
    for key, value in (result.get("evidence") or {}).items():
        click.echo(f"  {key}: {value}")
    click.echo(f"seconds:  {result['seconds']:.4f}")


@click.command("compare")
@click.argument("expected", required=False)
@click.argument("submitted", required=False)
@click.option("--kind", type=click.Choice(KINDS), default="expression", show_default=True, help="How to compare.")
@click.option("--symbol", "symbols", multiple=True, metavar="NAME:DOMAIN", help="A symbol and its domain: positive, nonnegative, nonzero, integer, positive_integer, real, interval(a,b), matrix(m,n), identity.")
@click.option("--function", "functions", multiple=True, metavar="NAME=EXPR", help="A function of x, e.g. sigma=1/(1+exp(-x)); NAME alone is an abstract function.")
@click.option("--rtol", type=float, default=None, help="Relative tolerance.")
@click.option("--atol", type=float, default=None, help="Absolute tolerance (given alone: the whole tolerance, rtol 0).")
@click.option("--sigfigs", type=click.IntRange(1, 15), default=None, help="Significant figures (numbers).")
@click.option("--decimals", type=click.IntRange(0, 15), default=None, help="Decimal places (numbers).")
@click.option("--partial-credit/--no-partial-credit", "partial_credit", default=None, help="Array, tuple, set: credit per matched element (default: none).")
@click.option("--element", type=click.Choice(ELEMENTS), default=None, help="Tuple, set: how items are compared (default: expression).")
@click.option("--undecided", type=click.Choice(POLICIES), default="manual_review", show_default=True, help="Policy when equivalence is only numerically confirmed.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@click.option("--batch", "batch", type=click.Path(exists=True, dir_okay=False), default=None, help="JSONL file of cases.")
@click.option("--output", "output", type=click.Path(dir_okay=False, writable=True), default=None, help="Where batch verdicts go (JSONL).")
@click.option("--workers", type=click.IntRange(min=0), default=1, show_default=True, help="Worker processes for --batch.")
@click.option("--timeout", type=click.FloatRange(min=0.01), default=10.0, show_default=True, help="Seconds per check.")
def compare(
    expected: str | None, submitted: str | None, kind: str, symbols: tuple[str, ...], functions: tuple[str, ...],
    rtol: float | None, atol: float | None, sigfigs: int | None, decimals: int | None,
    partial_credit: bool | None, element: str | None, undecided: str, as_json: bool,
    batch: str | None, output: str | None, workers: int, timeout: float,
) -> None:
    """Check SUBMITTED against EXPECTED and show how it was read and the verdict."""
    if batch is not None:
        if expected is not None or submitted is not None:
            raise click.UsageError("give either EXPECTED SUBMITTED or --batch, not both")
        if output is None:
            raise click.UsageError("--batch needs --output")
        records = compare_batch(batch, output, workers=workers, timeout=timeout)
        counts: dict[str, int] = {}
        for record in records:
            counts[record["status"]] = counts.get(record["status"], 0) + 1
        summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
        click.echo(f"{len(records)} cases -> {output} ({summary})")
        return
    if expected is None or submitted is None:
        raise click.UsageError("give EXPECTED and SUBMITTED (or --batch FILE --output FILE)")
    try:
        symbol_domains = dict(_split_option(item, ":", "DOMAIN") for item in symbols)
        for domain in symbol_domains.values():
            parse_domain(domain)
        function_defs: dict[str, str | None] = {}
        for item in functions:
            if "=" in item:
                name, definition = _split_option(item, "=", "EXPR")
                function_defs[name] = definition
            else:
                function_defs[item.strip()] = None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    case = CompareCase(
        expected=_cli_value(expected, kind), submitted=_cli_value(submitted, kind), kind=kind,
        symbols=symbol_domains, functions=function_defs, rtol=rtol, atol=atol, sigfigs=sigfigs, decimals=decimals,
        undecided=undecided, partial_credit=partial_credit, element=element,
    )
    problem = case_problem(case)
    if problem is not None:
        raise click.UsageError(problem)
    result = compare_supervised(case, timeout=timeout)
    if as_json:
        click.echo(json.dumps(result, indent=2, default=str))
    else:
        _print_result(expected, result)


compare_command = compare

if __name__ == "__main__":
    compare()
