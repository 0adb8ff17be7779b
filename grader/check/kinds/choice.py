"""Checker for ``kind: choice``: one option (or a set of options) by id, text or synonym.

Matching is case-, space- and punctuation-insensitive: ``b``, ``(b)``, ``B.``, the
option's text or one of its synonyms all name option ``b``. Several expected ids mean
the chosen set must equal the expected set (answers like ``a, c`` or ``["a", "c"]``).
"""

from __future__ import annotations

import re
from typing import Any

from grader.check.base import CheckContext
from grader.check.verdict import Status, Verdict
from grader.parse.values import Invalid, Parsed, TupleValue

__all__ = ["ChoiceChecker", "normalize_choice"]

SEPARATORS = re.compile(r"\s*(?:,|;|\band\b|&|\+)\s*", re.IGNORECASE)


def normalize_choice(text: str) -> str:
    """Lower case, single spaces, no surrounding brackets or punctuation."""
    text = " ".join(str(text).split()).casefold()
    text = re.sub(r"^(?:option|answer)\s+", "", text)
    return text.strip(" .:)(][*\"'`")


def _lookup(spec: Any) -> dict[str, str]:
    table: dict[str, str] = {}
    for option in spec.options:
        for name in (option.text, *option.synonyms):
            table.setdefault(normalize_choice(name), option.id)
    for option in spec.options:  # ids win over texts
        table[normalize_choice(option.id)] = option.id
    return table


_ID_THEN_TEXT = re.compile(r"^\s*[(\[]?\s*([A-Za-z0-9]{1,3})\s*[).:\]]\s*(.+?)\s*$", re.DOTALL)


def _id_and_text(piece: str, table: dict[str, str]) -> str | Invalid | None:
    """``(a) Adam``: an option's id followed by its own text names that option.

    When the id and the text name different options the answer hedges: it is invalid
    (a person decides), never graded by one of the two.
    """
    match = _ID_THEN_TEXT.match(piece)
    if match is None:
        return None
    by_id = table.get(normalize_choice(match.group(1)))
    by_text = table.get(normalize_choice(match.group(2)))
    if by_id is None or by_text is None:
        return None
    if by_id != by_text:
        return Invalid(
            f"{piece.strip()!r} names option {by_id} but gives the text of option {by_text}",
            code="ambiguous_option",
        )
    return by_id


class ChoiceChecker:
    """Options chosen by id, text or synonym."""

    def read(self, spec: Any, raw: Any, ctx: CheckContext) -> Parsed | Invalid:
        table = _lookup(spec)
        pieces: list[str]
        if isinstance(raw, (list, tuple)):
            pieces = [str(item) for item in raw]
        else:
            text = str(raw)
            whole = normalize_choice(text)
            pieces = [text] if whole in table else [piece for piece in SEPARATORS.split(text) if piece.strip()]
        chosen = []
        for piece in pieces:
            key = normalize_choice(piece)
            if key not in table:
                both = _id_and_text(piece, table)
                if isinstance(both, Invalid):
                    return Invalid(both.reason, code=both.code, text=str(raw))
                if both is not None:
                    chosen.append(both)
                    continue
                options = ", ".join(option.id for option in spec.options)
                return Invalid(f"{piece.strip()!r} is not one of the options ({options})", code="unknown_option", text=str(raw))
            chosen.append(table[key])
        if not chosen:
            return Invalid("no option chosen", code="empty", text=str(raw))
        unique = tuple(dict.fromkeys(chosen))
        return Parsed(value=TupleValue(items=unique), text=str(raw), shown=", ".join(unique))  # type: ignore[arg-type]

    def compare(self, spec: Any, expected: Any, parsed: Parsed, ctx: CheckContext) -> Verdict:
        wanted = {expected} if isinstance(expected, str) else set(expected)
        value = parsed.value
        chosen = set(value.items) if isinstance(value, TupleValue) else {str(value)}
        evidence = {"chosen": sorted(map(str, chosen))}
        if chosen == wanted:
            return Verdict(1.0, Status.CORRECT, "correct", shown=parsed.shown, evidence=evidence)
        if len(wanted) > 1:
            return Verdict(0.0, Status.WRONG, f"not the right set of options ({len(wanted)} options are correct)", shown=parsed.shown, evidence=evidence)
        if len(chosen) > 1:
            return Verdict(0.0, Status.WRONG, "choose one option only", shown=parsed.shown, evidence=evidence)
        return Verdict(0.0, Status.WRONG, "not the right option", shown=parsed.shown, evidence=evidence)
