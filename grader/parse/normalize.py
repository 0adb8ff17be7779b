"""Unicode clean-up of pasted answers, keeping a map back to the original offsets.

Text pasted from PDFs holds fullwidth digits, U+2212 minus, ``×``, ``·``, superscript
digits, non-breaking spaces and so on. Each character is NFKC-normalized on its own
(after a few replacements NFKC would get wrong, e.g. ``²`` -> ``^(2)``, not ``2``), and
every output character remembers the offset of the input character it came from.
"""

from __future__ import annotations

import unicodedata

SUPERSCRIPTS = {
    "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7",
    "⁸": "8", "⁹": "9", "⁻": "-", "⁺": "+", "⁼": "=", "⁽": "(", "⁾": ")", "ᵀ": "T",
    "ᵃ": "a", "ᵇ": "b", "ᶜ": "c", "ᵈ": "d", "ᵉ": "e", "ᶠ": "f", "ᵍ": "g", "ʰ": "h",
    "ⁱ": "i", "ʲ": "j", "ᵏ": "k", "ˡ": "l", "ᵐ": "m", "ⁿ": "n", "ᵒ": "o", "ᵖ": "p",
    "ʳ": "r", "ˢ": "s", "ᵗ": "t", "ᵘ": "u", "ᵛ": "v", "ʷ": "w", "ˣ": "x", "ʸ": "y",
    "ᶻ": "z", "ᴬ": "A", "ᴮ": "B", "ᴰ": "D", "ᴱ": "E", "ᴳ": "G", "ᴴ": "H", "ᴵ": "I",
    "ᴶ": "J", "ᴷ": "K", "ᴸ": "L", "ᴹ": "M", "ᴺ": "N", "ᴼ": "O", "ᴾ": "P", "ᴿ": "R",
    "ᵁ": "U", "ⱽ": "V", "ᵂ": "W", "ᵅ": "α", "ᵝ": "β", "ᵞ": "γ", "ᵟ": "δ", "ᵋ": "ε",
    "ᶿ": "θ", "ᵠ": "φ", "ᵡ": "χ",
}  # fmt: skip
SUBSCRIPTS = {
    "₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7",
    "₈": "8", "₉": "9", "₊": "+", "₋": "-", "₌": "=", "₍": "(", "₎": ")",
    "ₐ": "a", "ₑ": "e", "ₒ": "o", "ₓ": "x", "ₕ": "h", "ᵢ": "i", "ⱼ": "j", "ₖ": "k",
    "ₗ": "l", "ₘ": "m", "ₙ": "n", "ₚ": "p", "ᵣ": "r", "ₛ": "s", "ₜ": "t", "ᵤ": "u",
    "ᵥ": "v", "ᵦ": "β", "ᵧ": "γ", "ᵨ": "ρ", "ᵩ": "φ", "ᵪ": "χ",
}  # fmt: skip
REPLACEMENTS = {
    "−": "-", "–": "-", "—": "-", "‐": "-", "‒": "-", "﹣": "-", "－": "-",
    "×": "*", "·": "*", "⋅": "*", "∙": "*", "∗": "*", "÷": "/", "⁄": "/", "∕": "/",
    "′": "'", "’": "'", "‘": "'", "“": '"', "”": '"', "″": "''",
    "½": "(1/2)", "⅓": "(1/3)", "⅔": "(2/3)", "¼": "(1/4)", "¾": "(3/4)",
    "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "", "\u2061": "", "\u2062": "",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u3000": " ",
    "∑": "\\sum ", "∏": "\\prod ", "…": "...", "⋯": "...", "∂": "\\partial ", "∇": "\\nabla ",
    "≤": "≤", "≥": "≥", "≠": "≠", "≈": "≈", "√": "√", "‖": "‖", "∞": "∞",
    "⌊": "⌊", "⌋": "⌋", "⌈": "⌈", "⌉": "⌉", "µ": "μ", "ϵ": "ε", "ϕ": "φ",
}  # fmt: skip


def normalize(text: str) -> tuple[str, list[int] | None]:
    """Return the cleaned text and, when it differs, each character's original offset.

    The offset list has one extra trailing entry (the original length) so an error at
    the end of the cleaned text maps to the end of the original.
    """
    if text.isascii():
        return text, None
    out: list[str] = []
    offsets: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char < "\x80":
            out.append(char)
            offsets.append(i)
            i += 1
            continue
        if char == "⊤":  # W^⊤ and W⊤ both mean the transpose
            piece = "T" if out and out[-1].endswith("^") else "^T"
            out.append(piece)
            offsets.extend([i] * len(piece))
            i += 1
            continue
        for table, opener, closer in ((SUPERSCRIPTS, "^(", ")"), (SUBSCRIPTS, "_(", ")")):
            if char in table:
                start = i
                run = []
                while i < n and text[i] in table:
                    run.append(table[text[i]])
                    i += 1
                body = "".join(run)
                if len(body) == 1 and body.isascii() and body.isalnum():
                    piece = opener[0] + body
                else:
                    piece = opener + body + closer
                out.append(piece)
                offsets.extend([start] * len(piece))
                break
        else:
            replacement = REPLACEMENTS.get(char)
            if replacement is None:
                folded = unicodedata.normalize("NFKC", char)
                replacement = "".join(REPLACEMENTS.get(c, c) for c in folded)
            piece = replacement
            out.append(piece)
            offsets.extend([i] * len(piece))
            i += 1
    offsets.append(n)
    return "".join(out), offsets


def original_offset(offsets: list[int] | None, position: int | None) -> int | None:
    """Map an offset in the cleaned text back to the original text."""
    if position is None or offsets is None:
        return position
    if position < 0:
        return 0
    if position >= len(offsets):
        return offsets[-1]
    return offsets[position]
