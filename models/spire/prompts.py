"""Restoration prompts: parse, validate and format the SPIRE restoration prompt grammar.

The grammar lives in ONE data file, ``assets/restoration-grammar.json`` (read by this
module and by the TypeScript engine). A restoration prompt is either

* the blind prompt ``Remove all degradation``,
* the auto prompt ``auto`` (read blur, noise and JPEG from the photo: the degradation estimator writes the
  clauses), alone or with the output size ``auto; Upsample to 2.0x;``,
* the empty prompt ``""`` (no degradation), or
* up to four clauses, one per operation, each ending in ``;``::

      Deblur with sigma 2.0; Upsample to 4.0x; Denoise with sigma 0.05; Dejpeg with quality 40;

  A clause may also name its operation without a number (``Deblur;``).

Structured form: :class:`RestorationPrompt` holds :class:`Operation` items in the
canonical order (blur, downsample, noise, jpeg). ``parse(text)`` and ``format_prompt(p)``
convert between text and structure; ``format_prompt(parse(t))`` is the canonical text.
The exact parsing rules are written out in ``models/DATA.md``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Optional

GRAMMAR_PATH = Path(__file__).resolve().parents[2] / "assets" / "restoration-grammar.json"

_NUMBER = r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))"


class PromptError(ValueError):
    """A restoration prompt that does not follow the grammar.

    ``part`` is the offending clause (or the whole text), quoted in the message.
    """

    def __init__(self, message: str, part: str = ""):
        super().__init__(message)
        self.part = part


@dataclass(frozen=True)
class OperationSpec:
    """One operation of the grammar, as read from the JSON file."""

    key: str  # internal name of the degradation: blur, downsample, noise, jpeg
    name: str  # word that starts the clause: Deblur, Upsample, Denoise, Dejpeg
    param: str  # parameter name: sigma, factor, sigma, quality
    template: str  # clause text without ';', with '{value}' for the number
    min: float  # smallest allowed value (inclusive)
    max: float  # largest allowed value (inclusive)
    decimals: int  # digits after the decimal point in canonical text
    description: str = ""

    def format_value(self, value: float) -> str:
        return f"{value:.{self.decimals}f}"

    @property
    def range_text(self) -> str:
        return f"{self.format_value(self.min)} to {self.format_value(self.max)}"

    @property
    def full_regex(self) -> "re.Pattern[str]":
        return _template_regex(self.template)

    def quantize(self, value: float) -> float:
        """Round to the grammar's grid (``decimals`` digits), as the samplers do."""
        return float(round(float(value), self.decimals))


@dataclass(frozen=True)
class Grammar:
    version: int
    blind_prompt: str
    auto_prompt: str
    terminator: str
    separator: str
    operations: tuple  # tuple[OperationSpec, ...] in canonical order
    max_chars: int = 2000  # longest prompt text accepted (the app's IPC limit)

    def spec(self, key: str) -> OperationSpec:
        for op in self.operations:
            if op.key == key:
                return op
        raise KeyError(f"unknown operation key {key!r}; known: {', '.join(self.keys)}")

    @property
    def keys(self) -> tuple:
        return tuple(op.key for op in self.operations)

    @property
    def names(self) -> tuple:
        return tuple(op.name for op in self.operations)


def _template_regex(template: str) -> "re.Pattern[str]":
    """Regex for one clause, matched against the squashed clause (``" ".join(clause.split())``):
    words separated by one space, an optional space around the number. On squashed text this accepts
    exactly what ``^\s*before\s*NUMBER\s*after\s*$`` accepts on the clause, but in linear time
    (``\s*\s*$`` backtracks quadratically on a long run of spaces)."""
    before, sep, after = template.partition("{value}")
    if not sep:
        raise ValueError(f"grammar template {template!r} has no {{value}} placeholder")

    def words(text: str) -> str:
        return " ".join(re.escape(w) for w in text.split())

    tail = (" ?" + words(after)) if after.split() else ""
    return re.compile("^" + words(before) + " ?" + _NUMBER + tail + "$", re.IGNORECASE)


def load_grammar(path: Optional[Path] = None) -> Grammar:
    """Read the grammar JSON (default: the repository's ``assets/restoration-grammar.json``)."""
    path = Path(path) if path is not None else GRAMMAR_PATH
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    ops = tuple(
        OperationSpec(
            key=o["key"], name=o["name"], param=o["param"], template=o["template"],
            min=float(o["min"]), max=float(o["max"]), decimals=int(o["decimals"]),
            description=o.get("description", ""),
        )
        for o in raw["operations"]
    )
    for op in ops:
        if not op.template.split()[0].lower() == op.name.lower():
            raise ValueError(f"grammar: template {op.template!r} must start with the operation name {op.name!r}")
    return Grammar(
        version=int(raw["version"]), blind_prompt=raw["blindPrompt"], auto_prompt=raw["autoPrompt"],
        terminator=raw.get("clauseTerminator", ";"), separator=raw.get("clauseSeparator", " "),
        operations=ops, max_chars=int(raw.get("maxChars", 2000)),
    )


@lru_cache(maxsize=1)
def grammar() -> Grammar:
    """The repository grammar, loaded once."""
    return load_grammar()


@dataclass(frozen=True)
class Operation:
    """One clause: an operation key and its value (``None`` when the prompt gives no number)."""

    key: str
    value: Optional[float] = None

    @property
    def spec(self) -> OperationSpec:
        return grammar().spec(self.key)


@dataclass(frozen=True)
class RestorationPrompt:
    """Structured restoration prompt. ``operations`` are in canonical order, each key at most once.
    ``auto``: the estimator reads blur, noise and JPEG from the photo; only the output size (Upsample) is given."""

    operations: tuple = field(default_factory=tuple)  # tuple[Operation, ...]
    blind: bool = False
    auto: bool = False

    def __post_init__(self) -> None:
        _validate(self)

    def get(self, key: str) -> Optional[Operation]:
        for op in self.operations:
            if op.key == key:
                return op
        return None

    @property
    def is_empty(self) -> bool:
        return not self.blind and not self.auto and not self.operations

    @property
    def text(self) -> str:
        return format_prompt(self)

    def to_dict(self) -> dict:
        """JSON-friendly form: {"blind": bool, "auto": bool, "operations": [{"key","name","param","value"}]}."""
        return {
            "blind": self.blind,
            "auto": self.auto,
            "operations": [
                {"key": op.key, "name": op.spec.name, "param": op.spec.param, "value": op.value}
                for op in self.operations
            ],
        }

    @staticmethod
    def from_dict(data: Mapping) -> "RestorationPrompt":
        ops = [Operation(o["key"], None if o.get("value") is None else float(o["value"])) for o in data.get("operations", [])]
        return RestorationPrompt(tuple(ops), bool(data.get("blind", False)), bool(data.get("auto", False)))

    @staticmethod
    def of(values: Mapping[str, Optional[float]], blind: bool = False) -> "RestorationPrompt":
        """Build from ``{key: value or None}`` in any order; values are quantized to the grammar grid."""
        g = grammar()
        ops = []
        for key in g.keys:
            if key in values:
                v = values[key]
                ops.append(Operation(key, None if v is None else g.spec(key).quantize(v)))
        unknown = set(values) - set(g.keys)
        if unknown:
            raise PromptError(f"unknown operation key(s) {sorted(unknown)}; allowed: {', '.join(g.keys)}")
        return RestorationPrompt(tuple(ops), blind)


AUTO_COMBINES_WITH = ("downsample",)  # the output size stays the user's choice; the rest the estimator reads


def _auto_error(g: "Grammar", part: str = "") -> PromptError:
    sizes = ", ".join(f"'{g.spec(k).name}'" for k in AUTO_COMBINES_WITH)
    return PromptError(
        f"'{g.auto_prompt}' reads blur, noise and JPEG from the photo itself: it can only be combined with {sizes} "
        f"(the output size, e.g. '{g.auto_prompt}; {_example(g.spec('downsample'))};'); "
        f"write the clauses yourself instead of '{g.auto_prompt}' to name other operations", part)


def _validate(p: RestorationPrompt) -> None:
    g = grammar()
    if p.blind and p.operations:
        raise PromptError(f"'{g.blind_prompt}' cannot be combined with other operations")
    if p.blind and p.auto:
        raise PromptError(f"'{g.blind_prompt}' cannot be combined with '{g.auto_prompt}'")
    if p.auto and any(op.key not in AUTO_COMBINES_WITH for op in p.operations):
        raise _auto_error(g)
    order = {k: i for i, k in enumerate(g.keys)}
    last = -1
    for op in p.operations:
        if op.key not in order:
            raise PromptError(f"unknown operation key {op.key!r}; allowed: {', '.join(g.keys)}", op.key)
        if order[op.key] <= last:
            raise PromptError(
                f"operations must be unique and in canonical order ({', '.join(g.keys)}); got {[o.key for o in p.operations]}"
            )
        last = order[op.key]
        if op.value is not None:
            s = op.spec
            if not (s.min <= op.value <= s.max):
                raise PromptError(
                    f"{s.name} {s.param} {op.value:g} is out of range: allowed {s.range_text}", s.name
                )


def _parse_number(spec: OperationSpec, raw: str, clause: str) -> float:
    try:
        d = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the regex only lets numbers through
        raise PromptError(f"'{clause}': {raw!r} is not a number", clause)
    # At most `decimals` significant fraction digits (trailing zeros are fine: 40.0 is 40).
    if d != d.quantize(Decimal(1).scaleb(-spec.decimals)):
        unit = "a whole number" if spec.decimals == 0 else f"at most {spec.decimals} decimal{'s' if spec.decimals > 1 else ''}"
        raise PromptError(f"'{clause}': {spec.name} {spec.param} takes {unit}, got {raw}", clause)
    value = float(d)
    if not (spec.min <= value <= spec.max):
        raise PromptError(
            f"'{clause}': {spec.name} {spec.param} {raw} is out of range: allowed {spec.range_text}", clause
        )
    return value


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def parse(text: str) -> RestorationPrompt:
    """Parse a restoration prompt. Tolerates case, extra spaces, a missing final ``;``
    and clauses in any order; raises :class:`PromptError` naming the offending part."""
    if not isinstance(text, str):
        raise PromptError(f"a restoration prompt must be text, got {type(text).__name__}")
    g = grammar()
    if len(text) > g.max_chars:
        raise PromptError(
            f"a restoration prompt is at most {g.max_chars} characters, got {len(text)}; "
            f"write at most one clause per operation (e.g. '{_example(g.operations[0])};')"
        )
    blind = _norm(g.blind_prompt)
    auto_word = _norm(g.auto_prompt)
    clauses = [c.strip() for c in text.split(g.terminator)]
    clauses = [c for c in clauses if c]
    if not clauses:
        return RestorationPrompt()
    if len(clauses) == 1 and _norm(clauses[0]) == blind:
        return RestorationPrompt(blind=True)
    auto = _norm(clauses[0]) == auto_word
    if auto:
        clauses = clauses[1:]

    by_name = {op.name.lower(): op for op in g.operations}
    found = {}
    for clause in clauses:
        if _norm(clause) == blind:
            raise PromptError(f"'{g.blind_prompt}' cannot be combined with other operations", clause)
        if _norm(clause) == auto_word:
            raise PromptError(f"'{g.auto_prompt}' comes first and once (e.g. '{g.auto_prompt}; {_example(g.spec('downsample'))};')", clause)
        first = clause.split()[0]
        m = re.match(r"[A-Za-z]+", first)
        spec = by_name.get(m.group(0).lower()) if m else None
        if spec is None:
            raise PromptError(
                f"unknown operation '{first}' in '{clause}'; allowed: {', '.join(g.names)} "
                f"(e.g. '{_example(g.operations[0])};'), the blind prompt '{g.blind_prompt}' or '{g.auto_prompt}'",
                clause,
            )
        if auto and spec.key not in AUTO_COMBINES_WITH:
            raise _auto_error(g, clause)
        if spec.key in found:
            raise PromptError(f"'{clause}': {spec.name} is given twice; each operation may appear once", clause)
        if _norm(clause) == spec.name.lower():
            found[spec.key] = None
            continue
        mm = spec.full_regex.match(" ".join(clause.split()))
        if mm is None:
            raise PromptError(
                f"malformed clause '{clause}': expected '{_example(spec)};' with {spec.param} in {spec.range_text}, "
                f"or '{spec.name};'",
                clause,
            )
        found[spec.key] = _parse_number(spec, mm.group(1), clause)
    return RestorationPrompt(tuple(Operation(k, found[k]) for k in g.keys if k in found), auto=auto)


def _example(spec: OperationSpec) -> str:
    return spec.template.replace("{value}", f"<{spec.param}>")


def format_operation(op: Operation) -> str:
    """Canonical text of one clause, with its terminator (``Deblur with sigma 2.0;``)."""
    s = op.spec
    g = grammar()
    body = s.name if op.value is None else s.template.replace("{value}", s.format_value(op.value))
    return body + g.terminator


def format_prompt(prompt: RestorationPrompt) -> str:
    """Canonical text: the blind prompt, ``""`` for no operation, else clauses joined by one space; the auto
    prompt alone is ``auto``, with clauses ``auto; Upsample to 2.0x;``."""
    g = grammar()
    if prompt.blind:
        return g.blind_prompt
    clauses = [format_operation(op) for op in prompt.operations]
    if prompt.auto:
        return g.separator.join([g.auto_prompt + g.terminator] + clauses) if clauses else g.auto_prompt
    return g.separator.join(clauses)


def canonicalize(text: str) -> str:
    """``format_prompt(parse(text))``."""
    return format_prompt(parse(text))


def resolve_auto(requested: RestorationPrompt, estimated: RestorationPrompt) -> RestorationPrompt:
    """The prompt an ``auto`` request runs with: the estimator's clauses (read at the input's size) plus the
    requested output size. With ``Upsample to Kx`` the estimated blur sigma is multiplied by K (the grammar's
    blur is at the output's resolution: a blur of s pixels there is s / K in the input) and clamped to its
    range; noise and JPEG act on the small image and stay. A request that is not ``auto`` comes back as is."""
    if not requested.auto:
        return requested
    g = grammar()
    up = requested.get("downsample")
    factor = up.value if up is not None and up.value is not None else 1.0
    values = {}
    for op in estimated.operations:
        if op.key in AUTO_COMBINES_WITH:
            continue
        v = op.value
        if op.key == "blur" and v is not None and factor != 1.0:
            v = min(g.spec("blur").max, v * factor)
        values[op.key] = v
    if up is not None:
        values["downsample"] = up.value
    return RestorationPrompt.of(values)


def operations_in_order(keys: Iterable[str]) -> list:
    """Sort operation keys into the grammar's canonical order."""
    order = {k: i for i, k in enumerate(grammar().keys)}
    return sorted(keys, key=lambda k: order[k])


def degradation_vector_size() -> int:
    """K of :func:`degradation_vector`: three numbers per operation plus the blind flag."""
    return 3 * len(grammar().operations) + 1


def degradation_vector(prompt) -> list:
    """The parsed restoration prompt as K numbers, the restorer's ``degradation`` input.

    Per operation in canonical order: ``[named, valued, (value - min) / (max - min)]`` (0, 0, 0 when not named;
    the last is 0 when named without a number), then ``1`` for the blind prompt. The TypeScript engine
    computes the same vector (``degradationVector`` in ``common/restorationPrompt.ts``).
    """
    p = parse(prompt) if isinstance(prompt, str) else prompt
    if p.auto:
        raise PromptError(f"'{p.text}' is resolved by the degradation estimator first (resolve_auto): it has no numbers of its own")
    out = []
    for spec in grammar().operations:
        op = p.get(spec.key)
        if op is None:
            out += [0.0, 0.0, 0.0]
        elif op.value is None:
            out += [1.0, 0.0, 0.0]
        else:
            out += [1.0, 1.0, (op.value - spec.min) / (spec.max - spec.min)]
    return out + [1.0 if p.blind else 0.0]


def blind_degradation_vector(estimated) -> list:
    """The restorer's degradation input for the blind prompt with an estimate: the estimated prompt's numbers
    with the blind flag set (blindDegradationVector in TypeScript), so ``Remove all degradation`` is steered by
    what the estimator read."""
    p = parse(estimated) if isinstance(estimated, str) else estimated
    v = degradation_vector(RestorationPrompt(p.operations))
    v[-1] = 1.0
    return v
