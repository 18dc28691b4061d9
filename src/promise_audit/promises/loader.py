"""Load a promise file: safe YAML with line:column for every value, then the pydantic models.

PyYAML's SafeLoader composes a node tree that keeps each value's position; we build plain Python
values from it ourselves so that every later error (a wrong type, an unknown key, a misspelt
kind) can point at file:line:column, and so that duplicate keys and alias bombs are refused
instead of silently resolved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from promise_audit.errors import PromiseFileError
from promise_audit.promises.model import PromiseFileModel, PromiseSpec, Source
from promise_audit.records.schema import CANONICAL_FIELDS

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_NODES = 200_000  # values built after alias expansion; stops "billion laughs"

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

    def fail(self, message: str, node: yaml.Node) -> PromiseFileError:
        mark = node.start_mark
        return PromiseFileError(message, self.path, mark.line + 1, mark.column + 1)

    def build(self, node: yaml.Node, location: Location = ()) -> Any:
        self.nodes_built += 1
        if self.nodes_built > MAX_NODES:
            raise self.fail(
                f"the file expands to more than {MAX_NODES:,} values (anchors and aliases "
                "repeated too deeply); write it out plainly",
                node,
            )
        self.positions[location] = Position(node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.fail("a key must be a plain word, not a list or a mapping", key_node)
                key = str(self.loader.construct_object(key_node))
                if key in result:
                    raise self.fail(f"duplicate key {key!r}", key_node)
                child = (*location, key)
                self.key_positions[child] = Position(
                    key_node.start_mark.line + 1, key_node.start_mark.column + 1
                )
                result[key] = self.build(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*location, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node)


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
    loader = yaml.SafeLoader(text)
    builder = _Builder(where, loader)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PromiseFileError("the file holds no YAML document", where)
        return builder.build(node), builder
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if "\t" in problem or "tab" in problem:
            problem += " (YAML indents with spaces, not tabs)"
        raise PromiseFileError(
            f"invalid YAML: {problem}",
            where,
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise PromiseFileError(f"invalid YAML: {exc}", where) from None
    finally:
        loader.dispose()


def _model_at(model: type[BaseModel], location: Location) -> type[BaseModel] | None:
    """The model class that validates the mapping at `location` (for key suggestions)."""
    current: Any = model
    for part in location:
        if isinstance(current, type) and issubclass(current, BaseModel):
            if isinstance(part, int) or part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
        # unwrap Optional / list / dict / tuple to the model inside
        while get_origin(current) is not None:
            args = [a for a in get_args(current) if a is not type(None)]
            if get_origin(current) is dict:
                current = args[1]
                break
            if not args:
                return None
            current = args[-1] if get_origin(current) in (list, tuple) else args[0]
            if get_origin(current) is None:
                break
        if isinstance(current, type) and issubclass(current, BaseModel):
            continue
        return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _suggest(word: str, choices: list[str]) -> str:
    close = get_close_matches(word, choices, n=3, cutoff=0.6)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def _validation_error(
    exc: ValidationError, model: type[BaseModel], prefix: Location, loaded: LoadedPromiseFile
) -> PromiseFileError:
    error = exc.errors(include_url=False)[0]
    location: Location = tuple(part for part in error["loc"] if isinstance(part, str | int))
    # pydantic appends the name of a failing `function-*` validator's model to `loc`; keep
    # only the parts that exist in the file
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
    label = f"{location[-1]!r}: " if location else ""
    return loaded.error(f"{label}{message}", full)


def load_promise_file(path: str | Path) -> LoadedPromiseFile:
    """Read and validate a promise file; raise PromiseFileError with file:line:column."""
    from promise_audit.kinds import KINDS

    path = Path(path)
    data, builder = _read_yaml(path)
    shell = LoadedPromiseFile(path, None, (), builder.positions, builder.key_positions)  # type: ignore[arg-type]
    if not isinstance(data, dict):
        raise shell.error("a promise file is a mapping with organization, sources and promises", ())
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
        if kind_name not in KINDS:
            raise loaded.error(
                f"unknown kind {kind_name!r}{_suggest(str(kind_name), sorted(KINDS))}; "
                f"kinds: {', '.join(sorted(KINDS))}",
                (*where, "kind"),
            )
        options_model = KINDS[kind_name].Options
        try:
            spec = options_model.model_validate(raw)
        except ValidationError as exc:
            raise _validation_error(exc, options_model, where, loaded) from None
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
    return LoadedPromiseFile(path, model, tuple(promises), builder.positions, builder.key_positions)


def _check_references(loaded: LoadedPromiseFile, spec: PromiseSpec, where: Location) -> None:
    from promise_audit.expressions import ExpressionError, parse

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
        try:
            parse(text)
        except ExpressionError as exc:
            position = loaded.position_of(location)
            raise PromiseFileError(
                f"{location[-1]!r}: {exc.message} (at character {exc.position + 1} of {text!r})",
                str(loaded.path),
                position.line if position else None,
                position.column if position else None,
            ) from None


def _check_columns(loaded: LoadedPromiseFile, name: str, source: Source) -> None:
    for field_name in source.columns:
        if field_name not in CANONICAL_FIELDS:
            raise loaded.error(
                f"{field_name!r} is not a canonical field"
                f"{_suggest(field_name, sorted(CANONICAL_FIELDS))}; other source columns are "
                "kept as they are, without a mapping",
                ("sources", name, "columns", field_name),
                at_key=True,
            )


def _as_datetime(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
