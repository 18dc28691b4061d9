"""The promise file's JSON Schema, generated from the pydantic models (`promise-audit schema`).

Editors validate and complete promise files with it: save it next to them
(`promise-audit schema > promise-audit.schema.json`) and start the file with

    # yaml-language-server: $schema=./promise-audit.schema.json

Each promise is a `oneOf` of the kinds' options, discriminated by `kind`; durations (`5m`,
`PT5M`, `300`) and percentages (`95%`, `0.95`) accept what the loader accepts. The schema is a
guide for editors: the loader (`promise-audit validate`) stays the judge, and checks what a
schema cannot (expressions, references to sources and calendars, waivers naming promises).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from promise_audit.promises.model import PromiseFileModel
from promise_audit.promises.units import parse_duration, parse_fraction, parse_positive_duration

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_DURATION_TEXT = (
    r"^\s*([0-9]+(\.[0-9]+)?\s*[A-Za-z]*|[Pp][0-9.WwDdTtHhMmSs]+|[0-9]+:[0-5][0-9]:[0-5][0-9]"
    r"(\.[0-9]+)?)\s*$"
)
_PERCENT_TEXT = r"^\s*((100(\.0+)?|[0-9]{1,2}(\.[0-9]+)?)\s*%|0(\.[0-9]+)?|1(\.0+)?)\s*$"
_SCALAR: list[dict[str, Any]] = [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]


def _duration(positive: bool) -> JsonSchemaValue:
    bound = {"exclusiveMinimum": 0} if positive else {"minimum": 0}
    return {
        "anyOf": [
            {"type": "number", **bound, "description": "seconds"},
            {"type": "string", "pattern": _DURATION_TEXT},
        ],
        "description": "A duration: 90s, 5m, 24h, 365d, PT5M, 00:05:00, or seconds"
        + (" (more than zero)" if positive else ""),
        "examples": ["5m", "24h", "PT5M"],
    }


def _fraction() -> JsonSchemaValue:
    return {
        "anyOf": [
            {"type": "number", "minimum": 0, "maximum": 1},
            {"type": "string", "pattern": _PERCENT_TEXT},
        ],
        "description": "A percentage: 95% or 0.95",
        "examples": ["100%", "95%", 0.95],
    }


class _Generator(GenerateJsonSchema):
    """Pydantic's generator, told what the loader's own parsers accept."""

    def function_before_schema(
        self, schema: core_schema.BeforeValidatorFunctionSchema
    ) -> JsonSchemaValue:
        function = schema["function"]["function"]
        if function is parse_duration:
            return _duration(positive=False)
        if function is parse_positive_duration:
            return _duration(positive=True)
        if function is parse_fraction:
            return _fraction()
        return super().function_before_schema(schema)


def promise_file_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a promise file, as a dict."""
    from promise_audit.kinds import KINDS

    names = sorted(KINDS)
    options = [(KINDS[name].Options, "validation") for name in names]
    keys, shared = models_json_schema(
        [(PromiseFileModel, "validation"), *options],  # type: ignore[list-item]
        schema_generator=_Generator,
        ref_template="#/$defs/{model}",
    )
    defs: dict[str, Any] = shared["$defs"]
    mapping: dict[str, str] = {}
    for name in names:
        ref = keys[(KINDS[name].Options, "validation")]["$ref"]
        definition = defs[ref.rsplit("/", 1)[1]]
        definition["properties"]["kind"] = {"const": name, "title": "Kind"}
        doc = KINDS[name].rule_text().split("\n\n", 1)[0]
        definition["description"] = " ".join(doc.split())
        mapping[name] = ref
    # `ColumnMapping` reads a plain string as {column: NAME} (its `_from_name` validator)
    column = defs["ColumnMapping"]
    defs["ColumnMapping"] = {
        "title": column.pop("title", "ColumnMapping"),
        "description": column.pop("description", ""),
        "anyOf": [{"type": "string", "description": "a source column, by its exact name"}, column],
    }
    if "Scope" in defs:
        defs["Scope"]["additionalProperties"] = {
            "anyOf": [*_SCALAR, {"type": "array", "items": {"anyOf": _SCALAR}, "minItems": 1}],
            "description": "a field filter: the record's field equals the value, or one of them",
        }
    root_name = keys[(PromiseFileModel, "validation")]["$ref"].rsplit("/", 1)[1]
    root: dict[str, Any] = defs.pop(root_name)
    root["properties"]["promises"] = {
        "type": "array",
        "minItems": 1,
        "title": "Promises",
        "items": {
            "type": "object",
            "required": ["id", "kind"],
            "properties": {"kind": {"enum": names}},
            "oneOf": [{"$ref": mapping[name]} for name in names],
            "discriminator": {"propertyName": "kind", "mapping": mapping},
        },
    }
    return {
        "$schema": DIALECT,
        **{k: v for k, v in root.items() if k != "title"},
        "title": "promise-audit promise file",
        "$defs": dict(sorted(defs.items())),
    }


def render_schema() -> str:
    """The schema as the text `promise-audit schema` prints."""
    return json.dumps(promise_file_schema(), indent=2, ensure_ascii=False) + "\n"


__all__ = ["promise_file_schema", "render_schema"]
