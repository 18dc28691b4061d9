"""Load a promise file: safe YAML with line:column for every value, then the pydantic models.

PyYAML's SafeLoader composes a node tree that keeps each value's position; we build plain Python
values from it ourselves so that every later error (a wrong type, an unknown key, a misspelt
kind) can point at file:line:column, and so that duplicate keys and alias bombs are refused
instead of silently resolved.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from promise_audit.errors import PromiseFileError
from promise_audit.promises.model import PromiseFileModel, PromiseSpec, Source
from promise_audit.promises.units import is_duration_field
from promise_audit.records.schema import CANONICAL_FIELDS

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_NODES = 200_000  # values built after alias expansion; stops "billion laughs"
MAX_DEPTH = 50  # mappings and lists inside each other; a promise file needs about 6
MAX_INTEGER = 2**53  # beyond this a number is no longer exact as a float, nor meaningful here
MAX_DURATION_DAYS = 36_500  # a limit or window longer than a century is a typo
FIRST_YEAR, LAST_YEAR = 1900, 2999  # dates outside these are typos or placeholders

# The YAML core types; any other tag (!!python/object, !!binary, !custom) is refused, so the
# file can only hold plain values whatever loader a future version might use.
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("null", "bool", "int", "float", "str", "timestamp", "seq", "map")
)
_MERGE_TAG = "tag:yaml.org,2002:merge"

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class LoadedPromiseFile:
    path: Path
    model: PromiseFileModel
    promises: tuple[PromiseSpec, ...]
    positions: dict[Location, Position] = field(repr=False)
    key_positions: dict[Location, Position] = field(repr=False)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def position_of(self, location: Location) -> Position | None:
        while location:
            if location in self.positions:
                return self.positions[location]
            location = location[:-1]
        return self.positions.get(())

    def promise_position(self, index: int) -> Position | None:
        return self.position_of(("promises", index))

    def error(self, message: str, location: Location, *, at_key: bool = False) -> PromiseFileError:
        position = self.key_positions.get(location) if at_key else None
        position = position or self.position_of(location)
        return PromiseFileError(
            message,
            str(self.path),
            position.line if position else None,
            position.column if position else None,
        )


class _Builder:
    """Turns a composed YAML node tree into plain values, recording where each came from."""

    def __init__(self, path: str, loader: yaml.SafeLoader) -> None:
        self.path = path
        self.loader = loader
        self.positions: dict[Location, Position] = {}
        self.key_positions: dict[Location, Position] = {}
        self.nodes_built = 0
        self._open: set[int] = set()  # the collections being built: an alias to one is a cycle

    def fail(self, message: str, node: yaml.Node) -> PromiseFileError:
        mark = node.start_mark
        return PromiseFileError(message, self.path, mark.line + 1, mark.column + 1)

    def count(self, node: yaml.Node) -> None:
        """One more value built or key merged: aliases may repeat a node, but only so often."""
        self.nodes_built += 1
        if self.nodes_built > MAX_NODES:
            raise self.fail(
                f"the file expands to more than {MAX_NODES:,} values (anchors and aliases "
                "repeated too deeply); write it out plainly",
                node,
            )

    def build(self, node: yaml.Node, location: Location = ()) -> Any:
        self.count(node)
        self._check_tag(node)
        self.positions[location] = Position(node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if len(location) >= MAX_DEPTH:
            raise self.fail(f"values are nested more than {MAX_DEPTH} levels deep", node)
        if id(node) in self._open:
            raise self.fail("an alias refers to a value that contains it", node)
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                result: dict[str, Any] = {}
                for key, key_node, value_node in self._pairs(node, frozenset()):
                    child = (*location, key)
                    self.key_positions[child] = Position(
                        key_node.start_mark.line + 1, key_node.start_mark.column + 1
                    )
                    result[key] = self.build(value_node, child)
                return result
            return [self.build(item, (*location, i)) for i, item in enumerate(node.value)]
        finally:
            self._open.discard(id(node))

    def _check_tag(self, node: yaml.Node) -> None:
        if node.tag not in _PLAIN_TAGS:
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            raise self.fail(
                f"the tag {tag!r} is not allowed: a promise file holds plain text, numbers, "
                "dates, lists and mappings",
                node,
            )

    def _pairs(
        self, node: yaml.MappingNode, merging: frozenset[int]
    ) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """The mapping's (key, key node, value node), with `<<` merges resolved as YAML says:
        the mapping's own keys win over merged ones, and an earlier merged mapping over a
        later one. A key written twice in the same mapping is an error."""
        if id(node) in merging:
            raise self.fail("a merge ('<<') refers to the mapping that contains it", node)
        own: list[tuple[str, yaml.Node, yaml.Node]] = []
        merged: list[yaml.MappingNode] = []
        seen: set[str] = set()
        for key_node, value_node in node.value:
            self.count(key_node)  # a merge of merges repeats keys as aliases repeat values
            if key_node.tag == _MERGE_TAG:
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in sources:
                    if not isinstance(source, yaml.MappingNode):
                        raise self.fail("'<<' merges a mapping or a list of mappings", source)
                    merged.append(source)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail("a key must be a plain word, not a list or a mapping", key_node)
            self._check_tag(key_node)
            key = str(key_node.value)  # as written: `yes:` is the key 'yes', not True
            if key in seen:
                raise self.fail(f"duplicate key {key!r}", key_node)
            seen.add(key)
            own.append((key, key_node, value_node))
        for source in merged:
            for entry in self._pairs(source, merging | {id(node)}):
                if entry[0] not in seen:
                    seen.add(entry[0])
                    own.append(entry)
        return own

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        try:
            value = self.loader.construct_object(node)
        except (ValueError, OverflowError) as exc:  # e.g. a timestamp such as 2026-02-30
            raise self.fail(f"cannot read {node.value!r}: {exc}", node) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(f"{node.value!r} is not a finite number", node)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
            raise self.fail(f"the number {node.value} is too large", node)
        return value


def _read_yaml(path: Path) -> tuple[Any, _Builder]:
    where = str(path)
    if not path.exists():
        raise PromiseFileError("no such file", where)
    if path.is_dir():
        raise PromiseFileError("is a directory, not a promise file", where)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PromiseFileError(
                f"the file is {size:,} bytes; a promise file is at most {MAX_FILE_BYTES:,}", where
            )
        raw = path.read_bytes()
    except PermissionError:
        raise PromiseFileError("permission denied", where) from None
    except OSError as exc:
        raise PromiseFileError(f"cannot read: {exc.strerror}", where) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PromiseFileError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            where,
            line,
            column,
        ) from None
    if not text.strip():
        raise PromiseFileError(
            "the file is empty: declare organization, sources and promises", where
        )
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # a control character, checked before parsing
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise PromiseFileError(
            f"the control character {exc.character:#06x} is not allowed in YAML; remove it",
            where,
            line,
            column,
        ) from None
    builder = _Builder(where, loader)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PromiseFileError("the file holds no YAML document", where)
        return builder.build(node), builder
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if "'\\t'" in problem or "tab" in problem:  # PyYAML shows a tab escaped, as '\t'
            problem += " (YAML indents with spaces, not tabs)"
        raise PromiseFileError(
            f"invalid YAML: {problem}",
            where,
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise PromiseFileError(f"invalid YAML: {exc}", where) from None
    except RecursionError:  # PyYAML's parser recurses once per level of [ or {
        mark = loader.get_mark()
        raise PromiseFileError(
            f"values are nested more than {MAX_DEPTH} levels deep",
            where,
            mark.line + 1,
            mark.column + 1,
        ) from None
    finally:
        loader.dispose()


def _model_at(model: type[BaseModel], location: Location) -> type[BaseModel] | None:
    """The model class that validates the mapping at `location` (for key suggestions).

    A model's field is one part of the location; each list or dict around a model takes one
    more (the index, or the key: `sources.contacts` is the Source named contacts)."""
    current: Any = model
    parts = list(location)
    while parts:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        part = parts.pop(0)
        if isinstance(part, int) or part not in current.model_fields:
            return None
        current = current.model_fields[part].annotation
        while (origin := get_origin(current)) is not None:
            args = [a for a in get_args(current) if a is not type(None) and a is not Ellipsis]
            if not args:
                return None
            if origin in (list, tuple, dict):
                if not parts:
                    return None  # the location ends at the container itself
                parts.pop(0)
                current = args[-1] if origin is dict else args[0]
            else:  # Optional, a union, Annotated: the first type
                current = args[0]
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _suggest(word: str, choices: list[str]) -> str:
    close = get_close_matches(word, choices, n=3, cutoff=0.6)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def _validation_error(
    exc: ValidationError, model: type[BaseModel], prefix: Location, loaded: LoadedPromiseFile
) -> PromiseFileError:
    errors = exc.errors(include_url=False)
    # a misspelt key is reported as unknown before the required key it was meant to be
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    location: Location = tuple(part for part in error["loc"] if isinstance(part, str | int))
    full = (*prefix, *location)
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        key = str(location[-1])
        parent = _model_at(model, location[:-1])
        allowed = sorted(parent.model_fields) if parent else []
        return loaded.error(f"unknown key {key!r}{_suggest(key, allowed)}", full, at_key=True)
    if error["type"] == "missing":
        return loaded.error(f"missing required key {location[-1]!r}", full[:-1])
    if error["type"].startswith("literal_error"):
        expected = error.get("ctx", {}).get("expected", "")
        return loaded.error(f"{location[-1]!r}: got {error['input']!r}, expected {expected}", full)
    # pydantic appends the names of union members and validators to `loc` ('datetime' for
    # as_of); keep only the parts that exist in the file
    while location and (*prefix, *location) not in loaded.positions:
        location = location[:-1]
    full = (*prefix, *location)
    return loaded.error(f"{_label(location)}{message}", full)


def _label(location: Location) -> str:
    """'limit': , or 'closed' item 2: for a list's item."""
    if not location:
        return ""
    if isinstance(location[-1], int):
        parent = f"{location[-2]!r} " if len(location) > 1 else ""
        return f"{parent}item {location[-1] + 1}: "
    return f"{location[-1]!r}: "


def load_promise_file(path: str | Path) -> LoadedPromiseFile:
    """Read and validate a promise file; raise PromiseFileError with file:line:column."""
    from promise_audit.kinds import KINDS

    path = Path(path)
    data, builder = _read_yaml(path)
    shell = LoadedPromiseFile(path, None, (), builder.positions, builder.key_positions)  # type: ignore[arg-type]
    if not isinstance(data, dict):
        raise shell.error("a promise file is a mapping with organization, sources and promises", ())
    _check_instant_type(shell, data, ())
    try:
        model = PromiseFileModel.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, PromiseFileModel, (), shell) from None
    loaded = LoadedPromiseFile(path, model, (), builder.positions, builder.key_positions)

    promises: list[PromiseSpec] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(model.promises):
        where: Location = ("promises", index)
        if not isinstance(raw, dict):
            raise loaded.error("a promise is a mapping with at least id and kind", where)
        kind_name = raw.get("kind")
        if kind_name is None:
            raise loaded.error("missing required key 'kind'", where)
        if not isinstance(kind_name, str) or kind_name not in KINDS:
            raise loaded.error(
                f"unknown kind {kind_name!r}{_suggest(str(kind_name), sorted(KINDS))}; "
                f"kinds: {', '.join(sorted(KINDS))}",
                (*where, "kind"),
            )
        options_model = KINDS[kind_name].Options
        _check_instant_type(loaded, raw, where)
        try:
            spec = options_model.model_validate(raw)
        except ValidationError as exc:
            raise _validation_error(exc, options_model, where, loaded) from None
        _check_values(loaded, spec, where)
        if spec.id in seen:
            raise loaded.error(
                f"duplicate promise id {spec.id!r} (first used by promise {seen[spec.id] + 1})",
                (*where, "id"),
            )
        seen[spec.id] = index
        _check_references(loaded, spec, where)
        promises.append(spec)
    for name, source in model.sources.items():
        _check_columns(loaded, name, source)
    _check_file_values(loaded)
    return LoadedPromiseFile(path, model, tuple(promises), builder.positions, builder.key_positions)


def _check_references(loaded: LoadedPromiseFile, spec: PromiseSpec, where: Location) -> None:
    model = loaded.model
    if spec.source not in model.sources:
        raise loaded.error(
            f"unknown source {spec.source!r}{_suggest(spec.source, sorted(model.sources))}",
            (*where, "source"),
        )
    if spec.calendar is not None and spec.calendar not in model.calendars:
        raise loaded.error(
            f"unknown calendar {spec.calendar!r}{_suggest(spec.calendar, sorted(model.calendars))}",
            (*where, "calendar"),
        )
    if (
        spec.effective_from is not None
        and spec.effective_to is not None
        and _as_datetime(spec.effective_to) < _as_datetime(spec.effective_from)
    ):
        raise loaded.error("effective_to is before effective_from", (*where, "effective_to"))
    expressions: list[tuple[Location, str]] = []
    if spec.scope is not None and spec.scope.where is not None:
        expressions.append(((*where, "scope", "where"), spec.scope.where))
    for name in ("where", "kept_if", "measure"):
        value = getattr(spec, name, None)
        if isinstance(value, str):
            expressions.append(((*where, name), value))
    for location, text in expressions:
        _check_expression(loaded, location, text, typed=True)


def _check_expression(
    loaded: LoadedPromiseFile, location: Location, text: str, *, typed: bool = False
) -> None:
    """The expression's grammar; with `typed`, and when it names only canonical fields, its
    types too (a `kept_if` must be a condition, a `measure` a number or a duration), so the
    error points at the expression rather than at the rule the kind builds from it. Source
    columns are only known once the records are read, and are checked then."""
    from promise_audit.expressions import ExpressionError, compile_sql, fields_of, parse
    from promise_audit.records.schema import CLOCK_FIELDS, FieldType

    def fail(message: str, offset: int) -> PromiseFileError:
        position = loaded.position_of(location)
        return PromiseFileError(
            f"{location[-1]!r}: {message} (at character {offset + 1} of {text!r})",
            str(loaded.path),
            position.line if position else None,
            position.column if position else None,
        )

    try:
        tree = parse(text)
    except ExpressionError as exc:
        raise fail(exc.message, exc.position) from None
    known = {**CANONICAL_FIELDS, "as_of": FieldType.TIMESTAMP, **CLOCK_FIELDS}
    if not typed or not fields_of(tree) <= known.keys():
        return
    try:
        result = compile_sql(tree, known).type
    except ExpressionError as exc:
        raise fail(exc.message, exc.position) from None
    numeric = location[-1] == "measure"
    wanted = {FieldType.NUMBER, FieldType.DURATION} if numeric else {FieldType.BOOLEAN}
    if result not in wanted:
        what = "a number or a duration" if numeric else "a condition (true or false)"
        raise fail(f"must be {what}, not a {result.value}", 0)


def _check_columns(loaded: LoadedPromiseFile, name: str, source: Source) -> None:
    for field_name, mapping in source.columns.items():
        derivation = mapping.derivation
        if derivation is not None and derivation[0] in ("first_at", "last_at", "time_in"):
            _check_expression(
                loaded, ("sources", name, "columns", field_name, derivation[0]), derivation[1]
            )
        # a value derived from a case's events may be a new per-case attribute
        if field_name not in CANONICAL_FIELDS and derivation is None:
            raise loaded.error(
                f"{field_name!r} is not a canonical field"
                f"{_suggest(field_name, sorted(CANONICAL_FIELDS))}; other source columns are "
                "kept as they are, without a mapping (the fields: docs/fields.md)",
                ("sources", name, "columns", field_name),
                at_key=True,
            )
        if mapping.expr is not None:
            _check_expression(
                loaded, ("sources", name, "columns", field_name, "expr"), mapping.expr
            )
        if mapping.format is not None:
            problem = _strptime_problem(mapping.format)
            if problem is not None:
                raise loaded.error(
                    f"'format': {problem}", ("sources", name, "columns", field_name, "format")
                )
    if source.events is not None and source.events.format is not None:
        problem = _strptime_problem(source.events.format)
        if problem is not None:
            raise loaded.error(f"'format': {problem}", ("sources", name, "events", "format"))


def _strptime_problem(pattern: str) -> str | None:
    """Why the engine cannot use a strptime pattern (it reads the timestamps), or None."""
    import duckdb

    # a bare in-memory engine: the pattern is checked where the records will be read
    con = duckdb.connect(":memory:", config={"autoload_known_extensions": False})
    try:
        con.execute("SELECT try_strptime('2026-01-01', ?)", [pattern])
    except duckdb.Error as exc:
        text = str(exc).strip().splitlines()[0].removeprefix("Invalid Input Error: ")
        return f"{text} in {pattern!r} (see strftime patterns: %Y-%m-%d %H:%M:%S)"
    finally:
        con.close()
    return None


_NUMBER_TEXT = re.compile(r"\s*[-+]?\d+(\.\d*)?\s*")
_INSTANT_KEYS = ("as_of", "effective_from", "effective_to")


def _check_instant_type(loaded: LoadedPromiseFile, raw: dict[str, Any], where: Location) -> None:
    """as_of and effective_* are dates or instants; pydantic would read a number as seconds
    since 1970, which no one writing `as_of: 5` means."""
    for key in _INSTANT_KEYS:
        value = raw.get(key)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number or (isinstance(value, str) and _NUMBER_TEXT.fullmatch(value)):
            raise loaded.error(
                f"{key!r}: expected a date or an instant such as 2026-11-01 or "
                f"2026-11-01T00:00:00-07:00, got {value!r}",
                (*where, key),
            )


def _check_values(loaded: LoadedPromiseFile, spec: PromiseSpec, where: Location) -> None:
    """Values the models accept but no audit can use: centuries-long limits (the engine's
    deadlines would overflow) and dates no contact record has."""
    for name, info in type(spec).model_fields.items():
        value = getattr(spec, name)
        duration = isinstance(value, float) and is_duration_field(info.annotation, info.metadata)
        if duration and value > MAX_DURATION_DAYS * 86_400:
            raise loaded.error(
                f"{name!r}: {value:g} seconds is more than {MAX_DURATION_DAYS:,} days",
                (*where, name),
            )
    for name in ("effective_from", "effective_to"):
        _check_year(loaded, getattr(spec, name), (*where, name))


def _check_file_values(loaded: LoadedPromiseFile) -> None:
    model = loaded.model
    _check_year(loaded, model.as_of, ("as_of",))
    for name, calendar in model.calendars.items():
        if calendar.holidays is None:
            continue
        import holidays

        try:
            holidays.country_holidays(
                calendar.holidays.country, subdiv=calendar.holidays.subdivision, years=2026
            )
        except (NotImplementedError, ValueError, KeyError) as exc:
            message = " ".join(str(exc).split()) or type(exc).__name__
            raise loaded.error(
                f"unknown holiday country or subdivision: {message}",
                ("calendars", name, "holidays"),
            ) from None


def _check_year(
    loaded: LoadedPromiseFile, value: dt.datetime | dt.date | None, location: Location
) -> None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise loaded.error(
            f"{location[-1]!r}: {value.isoformat()} is not between {FIRST_YEAR} and {LAST_YEAR}",
            location,
        )


def _as_datetime(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
