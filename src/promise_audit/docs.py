"""The kinds' rules and the canonical fields as Markdown, built from the code so docs and code
never drift.

`python -m promise_audit.docs > docs/kinds.md` and `python -m promise_audit.docs fields >
docs/fields.md` regenerate the pages; a test keeps them current.
"""

from __future__ import annotations

from promise_audit.kinds import KINDS
from promise_audit.promises.model import PromiseSpec


def kinds_markdown() -> str:
    lines = [
        "# Promise kinds",
        "",
        "Generated from each kind's docstring (`python -m promise_audit.docs > docs/kinds.md`);",
        "the report's methodology section prints the same text.",
        "",
        "Rules that hold for every kind: limits are inclusive (a measure exactly at the limit",
        "is kept); a deadline is the clock's start plus the limit, and a record whose event has",
        "not happened by as_of is pending while its deadline is after as_of and broken once the",
        "deadline is at or before as_of; an event after as_of counts as not yet happened, and so",
        "does a duration the export gives that ends after as_of (see records.md); a record whose",
        "measure is missing (or invalid) is excluded as `missing_<field>` (`invalid_<field>`)",
        "only where its outcome depends on that measure, and a missing value never makes a",
        "record kept; records initiated after as_of are out of period.",
        "",
    ]
    for name in sorted(KINDS):
        kind = KINDS[name]
        options = [
            field for field in kind.Options.model_fields if field not in PromiseSpec.model_fields
        ]
        lines += [f"## `{name}`", "", *_as_list(kind.rule_text()), ""]
        if options:
            lines += [f"Options: {', '.join(f'`{o}`' for o in options)}.", ""]
    return "\n".join(lines)


_LABELS = ("Population:", "Broken", "Kept", "Pending", "Excluded", "Abandons", "The clock")


def _as_list(text: str) -> list[str]:
    """The docstring's labelled sentences (Population:, Broken: ...) as a Markdown list."""
    out: list[str] = []
    in_list = False
    for line in text.splitlines():
        if line.startswith(_LABELS):
            if not in_list and out and out[-1] != "":
                out.append("")
            out.append(f"- {line}")
            in_list = True
        elif in_list and line:
            out.append(f"  {line}")
        else:
            out.append(line)
    return out


# options that change which fields a kind needs, tried one at a time on top of the minimum
_OPTION_VARIANTS: tuple[dict[str, object], ...] = (
    {"require_apology": True},
    {"require_goodwill": True},
    {"same_topic": True},
    {"per": "hold"},
    {"limit": "1h"},
    {"max_steps": 2},
    {"abandoned": "broken"},
)
# the options a kind must have, with a value for each (used to ask a kind what it needs)
_MINIMUM: dict[str, object] = {
    "limit": "1h",
    "window": "1d",
    "after": "1m",
    "max": 1,
    "kept_if": "true",
}


def kind_needs() -> dict[str, list[str]]:
    """field -> how each kind needs it ("wait_time", "service_recovery (require_apology)")."""
    needs: dict[str, list[str]] = {}
    for name in sorted(KINDS):
        if name == "custom":
            continue  # it needs what its expressions name
        kind = KINDS[name]
        fields = kind.Options.model_fields
        own = set(fields) - set(PromiseSpec.model_fields)
        base: dict[str, object] = {"id": "x", "kind": name}
        base |= {k: v for k, v in _MINIMUM.items() if k in own and fields[k].is_required()}
        if name == "ivr_time":
            base["max_steps"] = 2  # it needs a limit, a max_steps, or both
        minimum = _requirements(kind, base)
        for choice in minimum:
            for field in choice:
                text = name + (f" (one of {', '.join(choice)})" if len(choice) > 1 else "")
                needs.setdefault(field, []).append(text)
        flat = {f for choice in minimum for f in choice}
        for variant in _OPTION_VARIANTS:
            if not set(variant) <= own or set(variant) <= set(base):
                continue
            for choice in _requirements(kind, base | variant):
                for field in choice:
                    if field in flat:
                        continue
                    option = ", ".join(
                        k if v is True or k == "limit" else f"{k}: {_yaml(v)}"
                        for k, v in variant.items()
                    )
                    needs.setdefault(field, []).append(f"{name} (with {option})")
    return needs


def _requirements(kind: object, options: dict[str, object]) -> tuple[tuple[str, ...], ...]:
    spec = kind.Options.model_validate(options)  # type: ignore[attr-defined]
    requirements: tuple[tuple[str, ...], ...] = kind.requirements(spec)  # type: ignore[attr-defined]
    return requirements


def _yaml(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def fields_markdown() -> str:
    from promise_audit.fields import DERIVATIONS, MEANINGS
    from promise_audit.records.schema import CANONICAL_FIELDS, REQUIRED_FIELDS

    needs = kind_needs()
    lines = [
        "# Canonical fields",
        "",
        "Generated from the code (`python -m promise_audit.docs fields > docs/fields.md`).",
        "",
        "Every source becomes records of these fields. Only `contact_id` and `initiated_at` are",
        "required; a promise whose kind needs a field the records lack is reported",
        "`unauditable`, naming the field. Map a field under a source's `columns:` (a column",
        "whose name is the field's needs no mapping); every other column is kept as it is, for",
        "scopes, expressions and breakdowns. `promise-audit inspect FILE` suggests a mapping.",
        "",
        "Types: text; timestamp (read with the source's time zone where it has no offset; a",
        "`format:` reads other patterns); number; duration (seconds; a mapping's `unit:` reads",
        "ms, min, h or h:mm:ss); boolean (true/false, yes/no, y/n, 1/0, any case).",
        "",
        "| field | type | meaning | needed by | derived |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, field_type in CANONICAL_FIELDS.items():
        meaning = MEANINGS[name] + (" Required." if name in REQUIRED_FIELDS else "")
        needed = "; ".join(needs.get(name, [])) or "-"
        derived = DERIVATIONS.get(name, "-")
        lines.append(f"| `{name}` | {field_type.value} | {meaning} | {needed} | {derived} |")
    lines += [
        "",
        "`custom` promises need the fields their expressions name. A field the mapping gives",
        "is never overwritten by a derivation: a derivation only fills what the source lacks.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    import sys

    page = fields_markdown() if sys.argv[1:] == ["fields"] else kinds_markdown()
    print(page, end="")
