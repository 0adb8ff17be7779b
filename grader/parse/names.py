"""Name tables: Greek letters, functions, constants, LaTeX commands, forbidden words.

Canonical spellings (the names symbols get):

- Greek letters by their English name, case-sensitive: ``alpha``, ``Sigma`` (not
  ``sigma``). Variants collapse: ``varepsilon``/``ε``/``ϵ`` -> ``epsilon``,
  ``varphi``/``φ``/``ϕ`` -> ``phi``, ``vartheta`` -> ``theta``, ``varrho`` -> ``rho``,
  ``varsigma`` -> ``sigma``, ``ell``/``ℓ`` -> ``ell``.
- A subscript is part of the name: base + ``_`` + subscript text without spaces, in
  braces when longer than one character: ``v_t``, ``x_{max}``, ``d_{t-1}``,
  ``x_{alpha}``.
- Accents: ``\\hat{m}`` -> ``hat(m)``, ``\\bar{x}`` -> ``bar(x)``, ``\\tilde{x}`` ->
  ``tilde(x)``; a subscript goes after the accent: ``\\hat{m}_t`` and ``\\hat{m_t}`` are
  both ``hat(m)_t``; the plain spelling ``hat(m)_t`` reads the same.
- Declared names are canonicalized the same way (``api.canonical_name``): a rubric's
  ``p_data``, ``p_{data}`` and ``p_{\\text{data}}`` all declare ``p_{data}``.
"""

from __future__ import annotations

GREEK_LOWER = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron "
    "rho sigma tau upsilon phi chi psi omega"
).split()
GREEK_UPPER = "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()

#: spelled Greek name (plain word or LaTeX command) -> canonical symbol name
GREEK_NAMES: dict[str, str] = {name: name for name in GREEK_LOWER + GREEK_UPPER}
GREEK_NAMES.update(
    {
        "varepsilon": "epsilon",
        "varphi": "phi",
        "vartheta": "theta",
        "varrho": "rho",
        "varsigma": "sigma",
        "varkappa": "kappa",
        "ell": "ell",
    }
)

#: Unicode letters read as names (one token each, never merged with neighbours)
UNICODE_NAMES: dict[str, str] = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ϵ": "epsilon",
    "ζ": "zeta", "η": "eta", "θ": "theta", "ϑ": "theta", "ι": "iota", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "µ": "mu", "ν": "nu", "ξ": "xi", "ο": "omicron",
    "ρ": "rho", "ϱ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau", "υ": "upsilon",
    "φ": "phi", "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
    "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi",
    "Σ": "Sigma", "Υ": "Upsilon", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
    "π": "pi", "∞": "infinity", "ℓ": "ell",
}  # fmt: skip

#: constants by plain name
CONSTANT_NAMES = {"pi": "pi", "e": "E", "oo": "oo", "inf": "oo", "infty": "oo", "infinity": "oo"}

#: plain function spellings -> canonical function name (see build.FUNCTION_TABLE)
FUNCTION_NAMES: dict[str, str] = {
    name: name
    for name in (
        "sin cos tan sec csc cot asin acos atan acot sinh cosh tanh sech csch coth asinh "
        "acosh atanh exp log ln sqrt abs sign floor ceil max min erf sigmoid relu O norm "
        "factorial binom sum product det tr matrix heaviside clip softplus silu gelu softsign"
    ).split()
}
FUNCTION_NAMES.update(
    {
        "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arccot": "acot",
        "arcsinh": "asinh", "arsinh": "asinh", "arccosh": "acosh", "arcosh": "acosh",
        "arctanh": "atanh", "artanh": "atanh", "sgn": "sign", "ceiling": "ceil",
        "binomial": "binom", "prod": "product", "trace": "tr", "Matrix": "matrix",
        "ReLU": "relu", "Relu": "relu", "RELU": "relu", "Sigmoid": "sigmoid",
        "Max": "max", "Min": "min", "Abs": "abs", "Sum": "sum", "Product": "product",
        "ln": "log", "Exp": "exp", "Log": "log", "Heaviside": "heaviside", "Clip": "clip",
        "cosec": "csc", "cosech": "csch", "arcsec": "asec", "arccsc": "acsc",
        "arccosec": "acsc", "arcsech": "asech", "arsech": "asech", "arccsch": "acsch",
        "arcsch": "acsch", "arccoth": "acoth", "arcoth": "acoth", "arccosech": "acsch",
        "asec": "asec", "acsc": "acsc", "asech": "asech", "acsch": "acsch", "acoth": "acoth",
        "tg": "tan", "ctg": "cot", "diag": "diag",
        "Softplus": "softplus", "SiLU": "silu", "SILU": "silu", "swish": "silu", "Swish": "silu",
        "GELU": "gelu", "GeLU": "gelu", "Gelu": "gelu", "Softsign": "softsign",
    }
)  # fmt: skip

#: functions whose argument may be written without parentheses (``sin x``, ``\ln x``)
PREFIX_FUNCTIONS = frozenset(
    "sin cos tan sec csc cot asin acos atan acot asec acsc sinh cosh tanh sech csch coth "
    "asinh acosh atanh asech acsch acoth exp log sqrt det tr".split()
)
#: trig functions whose ``^{-1}`` means the inverse function
INVERSE_TRIG = {
    "sin": "asin", "cos": "acos", "tan": "atan", "cot": "acot",
    "sinh": "asinh", "cosh": "acosh", "tanh": "atanh", "sec": "asec", "csc": "acsc",
    "sech": "asech", "csch": "acsch", "coth": "acoth",
}  # fmt: skip

#: name decorators (accents) -> canonical prefix
ACCENTS = {
    "hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar",
    "tilde": "tilde", "widetilde": "tilde",
}  # fmt: skip

#: LaTeX function commands -> canonical function name
LATEX_FUNCTIONS: dict[str, str] = {
    name: FUNCTION_NAMES[name]
    for name in (
        "sin cos tan sec csc cot arcsin arccos arctan sinh cosh tanh coth sech csch exp ln "
        "log max min det"
    ).split()
}
LATEX_FUNCTIONS.update({"arccot": "acot", "sgn": "sign", "tr": "tr", "erf": "erf"})
LATEX_FUNCTIONS.update(  # not standard LaTeX, but written by students (and by some macros)
    {
        name: FUNCTION_NAMES[name]
        for name in (
            "cosec cosech arcsec arccsc arccosec arcsinh arccosh arctanh arsinh arcosh artanh "
            "arcsech arccsch arccoth"
        ).split()
    }
)

#: styling commands: transparent (``\mathbf{w}`` is ``w``)
STYLES = frozenset(
    "mathbf boldsymbol bm mathrm mathit mathsf mathcal mathscr vec pmb mathnormal "
    "boldsymbol displaystyle".split()
)
#: text commands: their content is read raw (prose unless it is a function name)
TEXT_COMMANDS = frozenset("text textrm textit textbf textsf mbox operatorname".split())
#: commands that are ignored outright (spacing, sizing, math-mode delimiters)
IGNORED_COMMANDS = frozenset(
    "quad qquad left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr "
    "displaystyle textstyle limits nolimits middle".split()
)
#: commands that are a whole symbol or operator by themselves
SYMBOL_COMMANDS = frozenset(
    "frac dfrac tfrac cfrac sqrt binom dbinom tbinom cdot times div pm mp infty pi top "
    "intercal prime sum prod boxed begin end le leq ge geq lt gt ne neq approx lvert rvert "
    "lVert rVert lfloor rfloor lceil rceil vert Vert to".split()
)

#: LaTeX commands that touch files, define macros or change catcodes
FORBIDDEN_COMMANDS = frozenset(
    (
        "input include includeonly InputIfFileExists IfFileExists write read readline "
        "openin openout closein closeout newread newwrite immediate def edef gdef xdef let "
        "futurelet newcommand renewcommand providecommand DeclareMathOperator "
        "DeclareRobustCommand newenvironment renewenvironment catcode lccode uccode "
        "csname endcsname expandafter noexpand usepackage RequirePackage documentclass "
        "special write18 directlua luaexec latelua scantokens detokenize string jobname "
        "loop repeat afterassignment aftergroup everymath everydisplay href url "
        "makeatletter makeatother"
    ).split()
)
FORBIDDEN_ENVIRONMENTS = frozenset(
    "verbatim verbatim* filecontents filecontents* lstlisting minted comment document "
    "luacode tikzpicture".split()
)
MATRIX_ENVIRONMENTS = frozenset(
    "matrix bmatrix pmatrix Bmatrix vmatrix smallmatrix array".split()
)

#: Python builtins that are never a call in an answer
FORBIDDEN_CALLS = frozenset(
    "eval exec compile open getattr setattr delattr globals locals vars import input "
    "breakpoint help system popen subprocess os sys builtins exit quit".split()
)

#: English words that mark an answer as prose (when not a declared name)
PROSE_WORDS = frozenset(
    "the answer is are so thus therefore hence and then which where because since that "
    "this final result value equals approximately approx get we our with for".split()
)
