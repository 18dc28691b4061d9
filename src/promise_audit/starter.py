"""`promise-audit init`: a starter promise file from an export and, optionally, a policy page.

The file is written as text, not dumped from a dict, so that it can carry what a person must
check: each suggested mapping line with its confidence and evidence (an unsure line commented
out, with its alternative), the calendars the policy's words call for, one promise per
drafted sentence (its notes as comments), and the sentences that could not be placed. Every
line written is valid as it stands: the file passes `validate`, and `check` runs on it.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from promise_audit.drafting import Drafted, draft_promises
from promise_audit.errors import UsageError
from promise_audit.profiling import Profile, profile_export
from promise_audit.records.derive import derive_available
from promise_audit.records.formats import PLATFORM_FORMATS
from promise_audit.records.schema import REQUIRED_FIELDS
from promise_audit.suggest import HIGH, Suggested, suggest_mapping

_ORDER = (
    "id",
    "title",
    "statement",
    "published_in",
    "kind",
    "scope",
    "limit",
    "window",
    "after",
    "max",
    "max_steps",
    "require_apology",
    "require_goodwill",
    "calendar",
    "target",
)


def read_policy(policy: str) -> tuple[str, str, str | None]:
    """(text, file name, published_in) of a policy file, or of standard input for '-'."""
    if policy == "-":
        return sys.stdin.read(), "", None
    path = Path(policy)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise UsageError(f"{policy}: cannot read the policy ({error.strerror})") from None
    return text, path.name, path.name


def scalar(value: Any) -> str:
    """A YAML scalar: numbers and booleans bare, text double-quoted (JSON is valid YAML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(inline(v) for v in value) + "]"
    return scalar(value)


def starter_file(
    profile: Profile,
    suggested: Suggested,
    drafted: Drafted | None,
    *,
    export_path: str,
    policy_name: str | None,
) -> str:
    lines = [
        "# A starter promise file written by `promise-audit init` from "
        + (f"{Path(profile.path).name} and {policy_name}." if policy_name else f"{profile.path}."),
        "# Read every comment: lines marked 'check' are guesses. Then run",
        "#   promise-audit validate THIS_FILE && promise-audit check THIS_FILE",
        "# The canonical fields are listed in docs/fields.md.",
        f"organization: {scalar('Your organisation')}",
        "# the zone the export's times are written in, where they carry no offset",
        "timezone: UTC",
        "# as_of: 2026-11-01T00:00:00Z   # the audit's 'now' (default: the latest contact)",
        "sources:",
        "  contacts:",
        f"    path: {scalar(export_path)}",
        f"    format: {profile.format}",
    ]
    if profile.encoding not in ("utf-8", "-") and profile.format in ("csv", "tsv"):
        lines.append(f"    encoding: {profile.encoding}")
    if profile.format not in PLATFORM_FORMATS:
        lines.append(f"    null_values: {inline(list(suggested.null_values))}")
        lines += _columns(suggested)
    calendars = drafted.calendars if drafted is not None else {}
    if calendars:
        lines += ["calendars:"]
        for name, spec in sorted(calendars.items()):
            lines.append(f"  {name}:")
            lines.append(f"    timezone: {spec['timezone']}   # check: the calendar's time zone")
            lines.append("    hours:")
            for days, ranges in spec["hours"].items():
                lines.append(f"      {days}: {inline(ranges)}")
            lines.append("    # holidays: {country: US}   # public holidays, closed all day")
    lines.append("promises:")
    drafts = drafted.drafts if drafted is not None else []
    if drafts:
        for draft in drafts:
            for note in draft.notes:
                lines.append(f"  # check: {note}")
            lines += _promise(draft.promise)
    else:
        lines += _example_promise(suggested)
    if drafted is not None and drafted.unplaced:
        lines += ["", "# Sentences that seem to promise something but could not be drafted:"]
        for item in drafted.unplaced:
            lines.append(f"# - {json.dumps(item.sentence, ensure_ascii=False)}")
            lines.append(f"#   ({item.reason})")
    return "\n".join(lines) + "\n"


def _columns(suggested: Suggested) -> list[str]:
    lines = ["    columns:" if suggested.suggestions else "    columns: {}"]
    for suggestion in suggested.suggestions:
        mapping = inline(suggestion.mapping) if suggestion.mapping is not None else "null"
        line = f"{suggestion.field}: {mapping}"
        sure = suggestion.confidence == HIGH or suggestion.field in REQUIRED_FIELDS
        if sure:
            lines.append(f"      # {suggestion.confidence}: {suggestion.evidence}")
            if suggestion.confidence != HIGH:
                lines[-1] = f"      # check ({suggestion.confidence}): {suggestion.evidence}"
            lines.append(f"      {line}")
        else:
            lines.append(f"      # check ({suggestion.confidence}): {suggestion.evidence}")
            lines.append(f"      # {line}")
        for alternative in suggestion.alternatives:
            lines.append(f"      # or: {alternative}")
    for note in suggested.notes:
        lines.append(f"      # check: {note}")
    if suggested.attributes:
        import textwrap

        listed = ", ".join(suggested.attributes)
        lines += textwrap.wrap(
            f"the other columns, kept as they are (usable in scopes and expressions): {listed}",
            width=92,
            initial_indent="      # ",
            subsequent_indent="      #   ",
        )
    return lines


def _promise(promise: dict[str, Any]) -> list[str]:
    keys = [k for k in _ORDER if k in promise] + sorted(k for k in promise if k not in _ORDER)
    lines = []
    for index, key in enumerate(keys):
        prefix = "  - " if index == 0 else "    "
        lines.append(f"{prefix}{key}: {inline(promise[key])}")
    return lines


def _example_promise(suggested: Suggested) -> list[str]:
    """With no policy, one promise the mapped fields can audit, to be replaced by real ones."""
    provided = frozenset(
        s.field for s in suggested.suggestions if s.confidence == HIGH or s.field in REQUIRED_FIELDS
    )
    available = derive_available(provided)
    if "wait_seconds" in available:
        example = {"id": "answer-2m", "kind": "wait_time", "limit": "2m"}
        words = "We answer every call within 2 minutes."
    elif "resolved_at" in available:
        example = {"id": "resolved-3d", "kind": "resolution_time", "limit": "3d"}
        words = "We resolve every request within 3 days."
    elif "first_response_at" in available:
        example = {"id": "reply-1d", "kind": "first_response", "limit": "1d"}
        words = "We reply to every message within a day."
    elif "customer_id" in available:
        example = {"id": "once-is-enough", "kind": "repeat_contact", "window": "7d"}
        words = "You will not need to contact us again within 7 days."
    else:
        example = {"id": "resolved-3d", "kind": "resolution_time", "limit": "3d"}
        words = "We resolve every request within 3 days."
    example["statement"] = words
    return [
        "  # an example to replace with your published promises (or run init with --policy)",
        *_promise(example),
    ]


def _reconcile_scopes(suggested: Suggested, drafted: Drafted) -> Suggested:
    """A drafted scope needs its field mapped: a constant channel the policy's words confirm
    ("calls" and a phone log) is kept; a scope on a field the export lacks is dropped, with a
    note, as it would leave the promise no records at all."""
    sure = {
        s.field for s in suggested.suggestions if s.confidence == HIGH or s.field in REQUIRED_FIELDS
    }
    confirmed: set[str] = set()
    for draft in drafted.drafts:
        scope = draft.promise.get("scope")
        if not isinstance(scope, dict):
            continue
        for key in list(scope):
            if key in sure:
                continue
            suggestion = suggested.get(key)
            const = (
                suggestion.mapping.get("const")
                if suggestion is not None and isinstance(suggestion.mapping, dict)
                else None
            )
            if const is not None and const in scope[key]:
                confirmed.add(key)
                continue
            values = ", ".join(scope.pop(key))
            note = f"scope {key}: [{values}] left out: the export maps no {key}"
            object.__setattr__(draft, "notes", (*draft.notes, note))
        if not scope:
            del draft.promise["scope"]
    if not confirmed:
        return suggested
    return replace(
        suggested,
        suggestions=tuple(
            replace(
                s,
                confidence=HIGH,
                evidence=s.evidence + "; the policy's promises speak of this channel",
            )
            if s.field in confirmed
            else s
            for s in suggested.suggestions
        ),
    )


def write_starter(
    export: str,
    output: Path,
    *,
    policy: str | None = None,
    force: bool = False,
    format_in: str | None = None,
) -> tuple[Profile, Suggested, Drafted | None]:
    """Write the starter file to `output` (never over an existing file without `force`)."""
    if output.exists() and not force:
        raise UsageError(f"{output}: the file exists; give --force to replace it")
    drafted = None
    policy_name = None
    if policy is not None:  # read first: a missing policy stops init before any scan
        text, name, published_in = read_policy(policy)
        drafted = draft_promises(text, name=name, published_in=published_in)
        policy_name = name or "standard input"
    profile = profile_export(export, format_in=format_in)
    suggested = suggest_mapping(profile)
    if drafted is not None:
        suggested = _reconcile_scopes(suggested, drafted)
    folder = output.resolve().parent
    # relative to the promise file, as a source path is read; absolute where that would climb
    # out of two folders (a path that only works from where init ran)
    target = Path(export).absolute() if any(ch in export for ch in "*?[") else None
    target = target or Path(profile.files[0]).resolve()
    export_path = os.path.relpath(target, folder)
    if export_path.startswith(os.path.join("..", "..")):
        export_path = str(target)
    text = starter_file(
        profile, suggested, drafted, export_path=export_path, policy_name=policy_name
    )
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{output}: cannot write it ({error.strerror})") from None
    return profile, suggested, drafted
