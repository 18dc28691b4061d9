"""A small, safe expression language for promise filters and measures.

Expressions are parsed into an AST and compiled to SQL. Nothing from the user's text reaches SQL
except as a quoted string literal, a validated number, or the name of a field the caller declared.
There is no ``eval`` and no pass-through of SQL fragments.

Grammar (EBNF; keywords and function names are case-insensitive, field names are not)::

    expr        = conjunction , { "or" , conjunction } ;
    conjunction = negation , { "and" , negation } ;
    negation    = "not" , negation | comparison ;
    comparison  = sum , [ ( "=" | "==" | "!=" | "<" | "<=" | ">" | ">=" ) , sum
                        | [ "not" ] , "in" , "(" , sum , { "," , sum } , ")"
                        | "is" , [ "not" ] , "null" ] ;
    sum         = product , { ( "+" | "-" ) , product } ;
    product     = factor , { ( "*" | "/" ) , factor } ;
    factor      = "-" , factor | atom ;
    atom        = number | duration | text | "true" | "false" | field
                | function , "(" , [ expr , { "," , expr } ] , ")" | "(" , expr , ")" ;
    number      = digit , { digit } , [ "." , digit , { digit } ] ;
    duration    = number , ( "s" | "m" | "h" | "d" | "w" ) ;   (* no space; value in seconds *)
    text        = "'" , { any | "''" } , "'" | '"' , { any | '""' } , '"' ;
    field       = ( letter | "_" ) , { letter | digit | "_" } | "`" , any , { any } , "`" ;
    function    = "concat" | "coalesce" | "lower" | "upper" | "abs" | "hour" | "weekday" | "date"
                | "timestamp" | "duration" ;

Comparisons do not chain (``a < b < c`` is an error). Durations are numbers of seconds, so
NUMBER and DURATION mix freely; ``timestamp - timestamp`` is a duration and ``timestamp ± number``
is a timestamp. SQL null semantics apply: a comparison involving a null value is null (unknown),
and division by zero gives null, as does moving a timestamp by 3,000 years or more. ``hour``,
``weekday`` (ISO, Monday=1) and ``date`` use the session time zone of the database.
``timestamp(text)`` reads ISO 8601 text and ``timestamp(text, 'format')`` text in a strptime
pattern (a text literal) as a timestamp, naive values in the source's time zone;
``duration(text)`` reads seconds, ``[h:]mm:ss`` or ISO 8601 (``PT5M``) as a duration. Text either
cannot read is null (missing for that record), never an error.
"""

from __future__ import annotations

import difflib
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from promise_audit.records.schema import FieldType

MAX_LENGTH = 10_000
MAX_DEPTH = 100
_TOO_DEEP = f"expression is nested more than {MAX_DEPTH} levels deep"

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
# name -> (minimum arguments, maximum arguments or None for "any number")
_FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "abs": (1, 1),
    "coalesce": (2, None),
    "concat": (1, None),
    "date": (1, 1),
    "duration": (1, 1),
    "hour": (1, 1),
    "lower": (1, 1),
    "timestamp": (1, 2),
    "upper": (1, 1),
    "weekday": (1, 1),
}
# The strptime directives `timestamp(text, 'format')` accepts: the ones every engine can read
# (engine/translate.py writes each as PostgreSQL's and Spark's own pattern letters).
STRPTIME_DIRECTIVES = frozenset("YymdHIMSpbBaAzfj%")
_KEYWORDS = frozenset({"and", "or", "not", "in", "is", "null", "true", "false"})
_COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">="})
_BINARY_OPS = _COMPARISONS | {"and", "or", "+", "-", "*", "/"}
_NUMERIC = frozenset({FieldType.NUMBER, FieldType.DURATION})

# Binding powers for the precedence-climbing parser; they encode the layered grammar above.
# Precedence climbing keeps Python recursion shallow (about two frames per nesting level).
_BP_OR, _BP_AND, _BP_COMPARE, _BP_SUM, _BP_PRODUCT = 1, 2, 4, 5, 6
_INFIX_BP = {"or": _BP_OR, "and": _BP_AND, "+": _BP_SUM, "-": _BP_SUM}
_INFIX_BP |= {"*": _BP_PRODUCT, "/": _BP_PRODUCT, "in": _BP_COMPARE, "is": _BP_COMPARE}
_INFIX_BP |= dict.fromkeys(_COMPARISONS, _BP_COMPARE)

_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_NUMBER_TAIL_RE = re.compile(r"[A-Za-z0-9_.]*")
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = ("==", "!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "(", ")", ",")


class ExpressionError(ValueError):
    """A parse or type error, with the 0-based character offset it refers to."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message, position)  # both in args, so the error pickles
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return f"{self.message} (at position {self.position})"


# --- AST -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expr:
    # Positions are for error messages only; two parses of equivalent text compare equal.
    pos: int = field(default=0, compare=False, kw_only=True)

    def children(self) -> tuple[Expr, ...]:
        return ()


@dataclass(frozen=True)
class Field(Expr):
    name: str


@dataclass(frozen=True)
class Literal(Expr):
    value: str | int | float | bool

    # True == 1 in Python, so the generated __eq__ would make `x = true` and `x = 1` equal ASTs.
    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Literal)
            and type(self.value) is type(other.value)
            and self.value == other.value
        )

    def __hash__(self) -> int:
        return hash((type(self.value), self.value))


@dataclass(frozen=True)
class Duration(Expr):
    amount: int | float
    unit: str  # one of s, m, h, d, w

    @property
    def seconds(self) -> int | float:
        # Decimal keeps 1.1h at 3960 seconds rather than 3960.0000000000005.
        exact = Decimal(repr(self.amount)) * _UNIT_SECONDS[self.unit]
        return int(exact) if exact == exact.to_integral_value() else float(exact)


@dataclass(frozen=True)
class Unary(Expr):
    op: str  # "-" or "not"
    operand: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Binary(Expr):
    op: str  # or and = != < <= > >= + - * /
    left: Expr
    right: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class InList(Expr):
    operand: Expr
    items: tuple[Expr, ...]
    negated: bool = False

    def children(self) -> tuple[Expr, ...]:
        return (self.operand, *self.items)


@dataclass(frozen=True)
class IsNull(Expr):
    operand: Expr
    negated: bool = False

    def children(self) -> tuple[Expr, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Call(Expr):
    name: str  # lower case
    args: tuple[Expr, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.args


def fields_of(expr: Expr) -> frozenset[str]:
    """The names of all fields the expression refers to."""
    names: set[str] = set()
    stack = [expr]
    while stack:  # iterative: hand-built ASTs may be deeper than the recursion limit
        node = stack.pop()
        if isinstance(node, Field):
            names.add(node.name)
        stack.extend(node.children())
    return frozenset(names)


def _check_depth(expr: Expr) -> None:
    stack = [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(_TOO_DEEP, node.pos)
        stack.extend((child, depth + 1) for child in node.children())


def _did_you_mean(name: str, candidates: Sequence[str]) -> str:
    matches = difflib.get_close_matches(name, candidates, n=3)
    if not matches:
        return ""
    # Keep only near-ties with the best match; three suggestions are mostly noise.
    scores = [difflib.SequenceMatcher(None, name, m).ratio() for m in matches]
    matches = [m for m, score in zip(matches, scores, strict=True) if score >= scores[0] - 0.1]
    return f" (did you mean {' or '.join(repr(m) for m in matches)}?)"


# --- Tokens and parser -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # num, dur, str, name, kw, op, eof
    # Lower-cased for keywords, canonical for operators. Other tokens keep their quotes or are
    # not keywords, so the text alone identifies an operator or keyword.
    text: str
    pos: int
    value: str | int | float = ""


def _number(token: str, pos: int) -> int | float:
    # Long integers become floats: int() refuses very long digit strings, and DOUBLE is where
    # they end up anyway.
    value: int | float = int(token) if "." not in token and len(token) <= 15 else float(token)
    if not math.isfinite(value):
        raise ExpressionError(f"number starting {token[:20]!r} is too large", pos)
    return value


def _quoted(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    parts: list[str] = []
    i = start + 1
    while True:
        end = text.find(quote, i)
        if end < 0:
            raise ExpressionError(f"text starting here has no closing {quote}", start)
        parts.append(text[i:end])
        if text.startswith(quote, end + 1):  # a doubled quote stands for one quote
            parts.append(quote)
            i = end + 2
            continue
        return "".join(parts), end + 1


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "'\"":
            value, end = _quoted(text, i)
            tokens.append(_Token("str", text[i:end], i, value))
            i = end
        elif ch == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise ExpressionError("field name starting here has no closing `", i)
            if end == i + 1:
                raise ExpressionError("empty field name ``", i)
            tokens.append(_Token("name", text[i : end + 1], i, text[i + 1 : end]))
            i = end + 1
        elif number := _NUMBER_RE.match(text, i):
            end = number.end()
            tail = _NUMBER_TAIL_RE.match(text, end)
            unit = tail.group() if tail else ""
            if not unit:
                tokens.append(_Token("num", number.group(), i, _number(number.group(), i)))
            elif unit in _UNIT_SECONDS:
                amount = _number(number.group(), i)
                tokens.append(_Token("dur", number.group() + unit, i, amount))
                end += 1
            else:
                raise ExpressionError(
                    f"invalid number {text[i : end + len(unit)]!r} (a duration is a number "
                    "directly followed by one of s, m, h, d, w)",
                    i,
                )
            i = end
        elif word := _WORD_RE.match(text, i):
            lower = word.group().lower()
            if lower in _KEYWORDS:
                tokens.append(_Token("kw", lower, i))
            else:
                tokens.append(_Token("name", word.group(), i, word.group()))
            i = word.end()
        elif text.startswith(("--", "/*"), i):
            raise ExpressionError("comments are not allowed", i)
        elif text.startswith("<>", i):
            raise ExpressionError("'<>' is not allowed; write '!=' for not equal", i)
        elif ch == ";":
            raise ExpressionError("';' is not allowed; an expression is a single condition", i)
        else:
            op = next((op for op in _OPERATORS if text.startswith(op, i)), None)
            if op is None:
                raise ExpressionError(f"unexpected character {ch!r}", i)
            tokens.append(_Token("op", "=" if op == "==" else op, i))
            i += len(op)
    tokens.append(_Token("eof", "end of expression", n))
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self._tokens = tokens
        self._i = 0
        self._depth = 0

    def parse(self) -> Expr:
        if self._peek().kind == "eof":
            raise ExpressionError("empty expression", 0)
        expr = self._expr(0)
        tok = self._peek()
        if tok.text == ")":
            raise ExpressionError("')' has no matching '('", tok.pos)
        if tok.kind != "eof":
            raise ExpressionError(f"unexpected {tok.text!r} after a complete expression", tok.pos)
        return expr

    def _peek(self, ahead: int = 0) -> _Token:
        return self._tokens[min(self._i + ahead, len(self._tokens) - 1)]

    def _next(self) -> _Token:
        tok = self._peek()
        self._i += 1
        return tok

    def _at(self, text: str) -> bool:
        return self._peek().text == text

    def _expect(self, text: str, opened: _Token | None = None) -> _Token:
        tok = self._next()
        if tok.text != text:
            if tok.kind == "eof" and opened is not None:
                raise ExpressionError(f"'{opened.text}' is never closed", opened.pos)
            raise ExpressionError(f"expected '{text}' but found {tok.text!r}", tok.pos)
        return tok

    def _infix_bp(self) -> int:
        if self._at("not") and self._peek(1).text == "in":
            return _BP_COMPARE
        return _INFIX_BP.get(self._peek().text, 0)

    def _expr(self, min_bp: int) -> Expr:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ExpressionError(_TOO_DEEP, self._peek().pos)
        left = self._prefix(min_bp)
        while (bp := self._infix_bp()) > min_bp:
            op = self._next()
            if bp == _BP_COMPARE:
                left = self._comparison(left, op)
                if self._infix_bp() == _BP_COMPARE:
                    raise ExpressionError(
                        "comparisons cannot be chained; combine them with 'and'", self._peek().pos
                    )
            else:
                left = Binary(op.text, left, self._expr(bp), pos=op.pos)
        self._depth -= 1
        return left

    def _comparison(self, left: Expr, op: _Token) -> Expr:
        if op.text == "is":
            negated = self._at("not")
            if negated:
                self._next()
            self._expect("null")
            return IsNull(left, negated, pos=op.pos)
        if op.text in ("in", "not"):
            if op.text == "not":
                self._next()  # the "in" that _infix_bp saw
            opened = self._expect("(")
            items = [self._expr(_BP_COMPARE)]
            while self._at(","):
                self._next()
                items.append(self._expr(_BP_COMPARE))
            self._expect(")", opened)
            return InList(left, tuple(items), op.text == "not", pos=op.pos)
        return Binary(op.text, left, self._expr(_BP_COMPARE), pos=op.pos)

    def _prefix(self, min_bp: int) -> Expr:
        tok = self._next()
        if tok.kind == "num":
            return Literal(tok.value, pos=tok.pos)
        if tok.kind == "dur":
            assert not isinstance(tok.value, str)
            return Duration(tok.value, tok.text[-1], pos=tok.pos)
        if tok.kind == "str":
            return Literal(tok.value, pos=tok.pos)
        if tok.text in ("true", "false"):
            return Literal(tok.text == "true", pos=tok.pos)
        if tok.text == "not":
            # The grammar has no `a = not b` (Python rejects it too): likely a mistake.
            if min_bp > _BP_AND:
                raise ExpressionError("put 'not ...' in parentheses here", tok.pos)
            return Unary("not", self._expr(_BP_AND), pos=tok.pos)
        if tok.text == "-":
            return Unary("-", self._expr(_BP_PRODUCT), pos=tok.pos)
        if tok.text == "(":
            inner = self._expr(0)
            self._expect(")", tok)
            return inner
        if tok.kind == "name":
            if self._at("(") and not tok.text.startswith("`"):
                return self._call(tok)
            return Field(str(tok.value), pos=tok.pos)
        if tok.text == "null":
            raise ExpressionError("null can only be used in 'is null' or 'is not null'", tok.pos)
        if tok.kind == "eof":
            raise ExpressionError("expression ends where a value was expected", tok.pos)
        if tok.kind == "kw":
            hint = f"a field with that name is written `{tok.text}`"
            raise ExpressionError(f"expected a value but found {tok.text!r} ({hint})", tok.pos)
        raise ExpressionError(f"expected a value but found {tok.text!r}", tok.pos)

    def _call(self, name_tok: _Token) -> Expr:
        name = name_tok.text.lower()
        if name not in _FUNCTIONS:
            raise ExpressionError(_unknown_function(name_tok.text), name_tok.pos)
        opened = self._next()
        args: list[Expr] = []
        if not self._at(")"):
            args.append(self._expr(0))
            while self._at(","):
                self._next()
                args.append(self._expr(0))
        self._expect(")", opened)
        call = Call(name, tuple(args), pos=name_tok.pos)
        _check_arity(call)
        return call


def _unknown_function(name: str) -> str:
    hint = _did_you_mean(name.lower(), sorted(_FUNCTIONS))
    return f"unknown function {name!r}" + (hint or f" (functions: {', '.join(sorted(_FUNCTIONS))})")


def _check_arity(call: Call) -> None:
    low, high = _FUNCTIONS[call.name]
    if not low <= len(call.args) <= (high if high is not None else len(call.args)):
        wanted = f"{low}" if low == high else f"{low} or {high}" if high else f"at least {low}"
        noun = "argument" if low == 1 and high != 2 else "arguments"
        msg = f"{call.name}() takes {wanted} {noun}, got {len(call.args)}"
        raise ExpressionError(msg, call.pos)


def parse(text: str) -> Expr:
    """Parse expression text into an AST, or raise ExpressionError."""
    if len(text) > MAX_LENGTH:
        msg = f"expression is {len(text)} characters long; the limit is {MAX_LENGTH}"
        raise ExpressionError(msg, MAX_LENGTH)
    expr = _Parser(_tokenize(text)).parse()
    _check_depth(expr)
    return expr


# --- SQL dialects ----------------------------------------------------------------------------


class Dialect(ABC):
    """The engine-specific pieces of SQL.

    Arguments are compiled, parenthesised SQL; results must be single operands too. Numeric
    results must not make '/' truncate (wrap integer-valued functions where '/' on integers is
    integer division, as in PostgreSQL).
    """

    name: str

    def quote_identifier(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def string_literal(self, value: str) -> str:
        # Enough where backslash is an ordinary character (DuckDB, PostgreSQL); an engine with
        # backslash escapes in literals (Spark) must override this.
        return "'" + value.replace("'", "''") + "'"

    def number_literal(self, value: int | float) -> str:
        # A typed literal keeps every engine in DOUBLE arithmetic: no INT32 overflow, no DECIMAL.
        return f"CAST({value!r} AS DOUBLE PRECISION)"

    def boolean_literal(self, value: bool) -> str:
        return "TRUE" if value else "FALSE"

    @abstractmethod
    def epoch_seconds(self, ts: str) -> str: ...

    def seconds_between(self, end: str, start: str) -> str:
        return f"({self.epoch_seconds(end)} - {self.epoch_seconds(start)})"

    @abstractmethod
    def timestamp_plus_seconds(self, ts: str, seconds: str) -> str: ...

    @abstractmethod
    def hour(self, ts: str) -> str: ...

    @abstractmethod
    def weekday(self, ts: str) -> str:
        """ISO day of week: Monday=1 .. Sunday=7."""

    def date(self, ts: str) -> str:
        return f"CAST({ts} AS DATE)"

    def concat(self, parts: Sequence[str]) -> str:
        # Must treat null parts as empty text (as DuckDB and PostgreSQL concat() do).
        return f"concat({', '.join(parts)})"

    def read_timestamp(self, text: str, pattern: str | None) -> str:
        """Text as a timestamp in the session time zone; null where it cannot be read. With no
        pattern, ISO 8601 only: a digit first, as the loader reads timestamps (the engines would
        also read words such as 'epoch' or 'yesterday')."""
        value = f"trim({text})"
        if pattern is not None:
            return f"CAST(try_strptime({value}, {self.string_literal(pattern)}) AS TIMESTAMPTZ)"
        return (
            f"(CASE WHEN {value} >= '0' AND {value} < ':' THEN "
            f"TRY_CAST({value} AS TIMESTAMPTZ) END)"
        )

    def read_duration(self, text: str) -> str:
        """Text as seconds: a number, [h:]mm:ss, or ISO 8601 (PnDTnHnMnS); null where it cannot
        be read, is not finite, or is negative."""
        value = f"trim({text})"

        def matches(pattern: str) -> str:
            return f"regexp_full_match(upper({value}), {self.string_literal(pattern)})"

        def part(pattern: str) -> str:
            found = f"regexp_extract(upper({value}), {self.string_literal(pattern)}, 1)"
            return f"coalesce(TRY_CAST(nullif({found}, '') AS DOUBLE), 0)"

        hours, minutes, seconds = (part(p) for p in _CLOCK_PARTS)
        clock = (
            f"CASE WHEN {matches(_CLOCK_HMS)} THEN {hours} * 3600 + {minutes} * 60 + {seconds} "
            f"WHEN {matches(_CLOCK_MS)} THEN {hours} * 60 + {seconds} END"
        )
        iso_seconds = " + ".join(f"{part(pattern)} * {size}" for pattern, size in _ISO_PARTS)
        has_digit = f"regexp_matches({value}, '[0-9]')"
        iso = f"CASE WHEN {matches(_ISO_DURATION)} AND {has_digit} THEN {iso_seconds} END"
        total = f"coalesce(TRY_CAST({value} AS DOUBLE), {clock}, {iso})"
        return f"(CASE WHEN isfinite({total}) AND {total} >= 0 THEN {total} END)"


# duration(text): the pieces of [h:]mm:ss (the first number, the one after it, the last) and of
# ISO 8601 durations (days, hours, minutes, seconds), each with its size in seconds
_CLOCK_HMS = r"\d+:[0-5]?\d:[0-5]?\d(\.\d+)?"
_CLOCK_MS = r"\d+:[0-5]?\d(\.\d+)?"
_CLOCK_PARTS = (r"^(\d+):", r"^\d+:(\d+):", r":(\d+(?:\.\d+)?)$")
_NUM = r"\d+(?:\.\d+)?"
_ISO_DURATION = rf"P({_NUM}D)?(T({_NUM}H)?({_NUM}M)?({_NUM}S)?)?"
_ISO_PARTS = (
    (rf"P({_NUM})D", 86400),
    (rf"T({_NUM})H", 3600),
    (rf"T(?:{_NUM}H)?({_NUM})M", 60),
    (rf"T(?:{_NUM}H)?(?:{_NUM}M)?({_NUM})S", 1),
)


class DuckDBDialect(Dialect):
    name = "duckdb"

    def number_literal(self, value: int | float) -> str:
        return f"CAST({value!r} AS DOUBLE)"

    def epoch_seconds(self, ts: str) -> str:
        return f"epoch({ts})"

    def seconds_between(self, end: str, start: str) -> str:
        # Subtracting whole microseconds is exact; two epoch() doubles need not be, and the
        # boundary ("within 24h" at exactly 24h) must not depend on rounding.
        return f"(CAST((epoch_us({end}) - epoch_us({start})) AS DOUBLE) / 1000000.0)"

    def timestamp_plus_seconds(self, ts: str, seconds: str) -> str:
        # A shift of 1e17 microseconds (about 3,000 years) or more is null, as a division by
        # zero is: TRY_CAST to DECIMAL(17, 0) gives null beyond it, where a BIGINT cast would
        # stop the audit with an overflow error (`initiated_at + 99999999999w`).
        micros = f"TRY_CAST(round(({seconds}) * 1000000) AS DECIMAL(17, 0))"
        return f"({ts} + to_microseconds(CAST({micros} AS BIGINT)))"

    def hour(self, ts: str) -> str:
        return f"hour({ts})"

    def weekday(self, ts: str) -> str:
        return f"isodow({ts})"


DUCKDB: Dialect = DuckDBDialect()


# --- Type checking and compilation -----------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    sql: str
    type: FieldType


def _comparable(a: FieldType, b: FieldType) -> bool:
    return a == b or (a in _NUMERIC and b in _NUMERIC)


def _numeric_result(op: str, left: FieldType, right: FieldType) -> FieldType:
    dur_left, dur_right = left is FieldType.DURATION, right is FieldType.DURATION
    if op in ("+", "-"):
        duration = dur_left or dur_right
    elif op == "*":
        duration = dur_left != dur_right
    else:  # a duration divided by a duration is a ratio
        duration = dur_left and not dur_right
    return FieldType.DURATION if duration else FieldType.NUMBER


class _Compiler:
    def __init__(
        self,
        field_types: Mapping[str, FieldType],
        dialect: Dialect,
        column: Callable[[str], str] | None,
    ) -> None:
        self.field_types = field_types
        self.d = dialect
        self.column = column

    def compile(self, e: Expr) -> Compiled:
        if isinstance(e, Field):
            return self._field(e)
        if isinstance(e, Literal):
            return self._literal(e)
        if isinstance(e, Duration):
            if e.unit not in _UNIT_SECONDS or not math.isfinite(e.amount):
                raise ExpressionError(f"invalid duration {e.amount!r}{e.unit}", e.pos)
            return Compiled(self.d.number_literal(e.seconds), FieldType.DURATION)
        if isinstance(e, Unary):
            return self._unary(e)
        if isinstance(e, Binary):
            return self._binary(e)
        if isinstance(e, InList):
            if not e.items:
                raise ExpressionError("'in' needs at least one value", e.pos)
            operand = self.compile(e.operand)
            items = [self._same_kind(operand, item, "in") for item in e.items]
            op = "NOT IN" if e.negated else "IN"
            return Compiled(f"({operand.sql} {op} ({', '.join(items)}))", FieldType.BOOLEAN)
        if isinstance(e, IsNull):
            op = "IS NOT NULL" if e.negated else "IS NULL"
            return Compiled(f"({self.compile(e.operand).sql} {op})", FieldType.BOOLEAN)
        if isinstance(e, Call):
            return self._call(e)
        raise ExpressionError(f"unsupported expression node {type(e).__name__}", e.pos)

    def _field(self, e: Field) -> Compiled:
        if e.name not in self.field_types:
            hint = _did_you_mean(e.name, list(self.field_types))
            raise ExpressionError(
                f"unknown field {e.name!r}{hint} (the fields: docs/fields.md)", e.pos
            )
        # Parentheses keep whatever the caller's column() returns a single operand.
        column = self.column
        sql = self.d.quote_identifier(e.name) if column is None else f"({column(e.name)})"
        return Compiled(sql, FieldType(self.field_types[e.name]))

    def _literal(self, e: Literal) -> Compiled:
        value = e.value
        if isinstance(value, bool):  # before int: bool is an int subclass
            return Compiled(self.d.boolean_literal(value), FieldType.BOOLEAN)
        if isinstance(value, str):
            return Compiled(self.d.string_literal(value), FieldType.TEXT)
        if isinstance(value, int | float) and math.isfinite(value):
            return Compiled(self.d.number_literal(value), FieldType.NUMBER)
        raise ExpressionError(f"unsupported literal {value!r}", e.pos)

    def _unary(self, e: Unary) -> Compiled:
        if e.op not in ("-", "not"):
            raise ExpressionError(f"unsupported operator {e.op!r}", e.pos)
        operand = self.compile(e.operand)
        if e.op == "not":
            self._require(operand, {FieldType.BOOLEAN}, "'not'", e.operand)
            return Compiled(f"(NOT {operand.sql})", FieldType.BOOLEAN)
        self._require(operand, _NUMERIC, "unary '-'", e.operand)
        return Compiled(f"(- {operand.sql})", operand.type)

    def _binary(self, e: Binary) -> Compiled:
        # Operators reach the SQL text as they are, so hand-built ASTs must not invent any.
        if e.op not in _BINARY_OPS:
            raise ExpressionError(f"unsupported operator {e.op!r}", e.pos)
        if e.op in ("and", "or"):
            left, right = self.compile(e.left), self.compile(e.right)
            self._require(left, {FieldType.BOOLEAN}, f"'{e.op}'", e.left)
            self._require(right, {FieldType.BOOLEAN}, f"'{e.op}'", e.right)
            return Compiled(f"({left.sql} {e.op.upper()} {right.sql})", FieldType.BOOLEAN)
        if e.op in _COMPARISONS:
            return self._compare(e)
        return self._arithmetic(e)

    def _compare(self, e: Binary) -> Compiled:
        left = self.compile(e.left)
        right_sql = self._same_kind(left, e.right, e.op)
        if left.type is FieldType.BOOLEAN and e.op not in ("=", "!="):
            raise ExpressionError(f"booleans cannot be compared with '{e.op}'", e.pos)
        op = "<>" if e.op == "!=" else e.op
        return Compiled(f"({left.sql} {op} {right_sql})", FieldType.BOOLEAN)

    def _same_kind(self, left: Compiled, right_expr: Expr, op: str) -> str:
        right = self.compile(right_expr)
        if not _comparable(left.type, right.type):
            msg = f"cannot compare {left.type.value} with {right.type.value} using '{op}'"
            raise ExpressionError(msg, right_expr.pos)
        return right.sql

    def _arithmetic(self, e: Binary) -> Compiled:
        left, right = self.compile(e.left), self.compile(e.right)
        lt, rt, ts = left.type, right.type, FieldType.TIMESTAMP
        if lt in _NUMERIC and rt in _NUMERIC:
            # NULLIF: division by zero is null in every engine instead of inf or an error.
            rhs = f"NULLIF({right.sql}, 0)" if e.op == "/" else right.sql
            return Compiled(f"({left.sql} {e.op} {rhs})", _numeric_result(e.op, lt, rt))
        if e.op == "-" and lt is ts and rt is ts:
            return Compiled(self.d.seconds_between(left.sql, right.sql), FieldType.DURATION)
        if e.op in ("+", "-") and lt is ts and rt in _NUMERIC:
            seconds = right.sql if e.op == "+" else f"(- {right.sql})"
            return Compiled(self.d.timestamp_plus_seconds(left.sql, seconds), ts)
        if e.op == "+" and lt in _NUMERIC and rt is ts:
            return Compiled(self.d.timestamp_plus_seconds(right.sql, left.sql), ts)
        hint = " (use concat() to join text)" if FieldType.TEXT in (lt, rt) else ""
        msg = f"cannot apply '{e.op}' to {lt.value} and {rt.value}{hint}"
        raise ExpressionError(msg, e.pos)

    def _call(self, e: Call) -> Compiled:
        if e.name not in _FUNCTIONS:
            raise ExpressionError(_unknown_function(e.name), e.pos)
        _check_arity(e)
        args = [self.compile(arg) for arg in e.args]
        sqls = [arg.sql for arg in args]
        what = f"{e.name}()"
        if e.name == "coalesce":
            for arg, node in zip(args[1:], e.args[1:], strict=True):
                if not _comparable(args[0].type, arg.type):
                    msg = f"coalesce() mixes {args[0].type.value} and {arg.type.value}"
                    raise ExpressionError(msg, node.pos)
            kinds = {arg.type for arg in args}
            result = kinds.pop() if len(kinds) == 1 else FieldType.NUMBER  # numeric mixture
            return Compiled(f"coalesce({', '.join(sqls)})", result)
        if e.name == "concat":
            for arg, node in zip(args, e.args, strict=True):
                self._require(arg, {FieldType.TEXT}, what, node)
            return Compiled(self.d.concat(sqls), FieldType.TEXT)
        if e.name == "timestamp":
            self._require(args[0], {FieldType.TEXT}, what, e.args[0])
            pattern = None
            if len(e.args) == 2:
                pattern = _strptime_pattern(e.args[1])
            return Compiled(self.d.read_timestamp(sqls[0], pattern), FieldType.TIMESTAMP)
        (arg,), (sql,) = args, sqls
        if e.name in ("lower", "upper"):
            self._require(arg, {FieldType.TEXT}, what, e.args[0])
            return Compiled(f"{e.name}({sql})", FieldType.TEXT)
        if e.name == "abs":
            self._require(arg, _NUMERIC, what, e.args[0])
            return Compiled(f"abs({sql})", arg.type)
        if e.name == "duration":
            self._require(arg, {FieldType.TEXT}, what, e.args[0])
            return Compiled(self.d.read_duration(sql), FieldType.DURATION)
        self._require(arg, {FieldType.TIMESTAMP}, what, e.args[0])
        if e.name == "hour":
            return Compiled(self.d.hour(sql), FieldType.NUMBER)
        if e.name == "weekday":
            return Compiled(self.d.weekday(sql), FieldType.NUMBER)
        return Compiled(self.d.date(sql), FieldType.TIMESTAMP)  # midnight, session time zone

    @staticmethod
    def _require(
        arg: Compiled, allowed: set[FieldType] | frozenset[FieldType], what: str, node: Expr
    ) -> None:
        if arg.type not in allowed:
            names = " or ".join(sorted(t.value for t in allowed))
            raise ExpressionError(f"{what} needs {names}, got {arg.type.value}", node.pos)


def _strptime_pattern(node: Expr) -> str:
    """The pattern of `timestamp(text, 'pattern')`: a text literal of known directives."""
    if not isinstance(node, Literal) or not isinstance(node.value, str):
        raise ExpressionError("timestamp()'s format is a text literal, e.g. '%d/%m/%Y'", node.pos)
    pattern = node.value
    index = 0
    while index < len(pattern):
        if pattern[index] == "%":
            directive = pattern[index + 1 : index + 2]
            if directive not in STRPTIME_DIRECTIVES or not directive:
                known = " ".join(f"%{d}" for d in sorted(STRPTIME_DIRECTIVES - {"%"}))
                raise ExpressionError(
                    f"timestamp() format {pattern!r}: unknown directive %{directive} "
                    f"(known: {known})",
                    node.pos,
                )
            index += 2
        else:
            index += 1
    if "%" not in pattern:
        raise ExpressionError(
            f"timestamp() format {pattern!r} has no directive such as %Y or %d", node.pos
        )
    return pattern


def compile_sql(
    expr: Expr,
    field_types: Mapping[str, FieldType],
    *,
    dialect: Dialect = DUCKDB,
    column: Callable[[str], str] | None = None,
) -> Compiled:
    """Type-check `expr` against `field_types` and compile it to fully parenthesised SQL.

    `column` maps a field name to the SQL that reads it (default: the quoted identifier).
    """
    _check_depth(expr)  # ASTs built by hand skip parse()'s limit; compilation recurses
    return _Compiler(field_types, dialect, column).compile(expr)
