"""Promises drafted from the published words: a policy page in, promise-file entries out.

Hand-written patterns, deterministic and offline. A sentence is drafted when it both promises
(a modal such as "will", "never", "should", "guarantee", or a bare offer such as "Free return
shipping") and says what is measured (a kind's words: answer, reply, resolve, refund, return,
transfer, survey ...), with the quantity that kind needs (a limit, a window, a maximum). The
`statement` is the sentence exactly as published. A sentence that promises something the
patterns cannot place is returned with the reason, for a person to write by hand; a sentence
that promises nothing measurable ("we strive for excellent service") is left out.

Where a sentence leaves a number unsaid that the kind needs ("you will not be passed from
department to department"), the draft takes the strictest reading the words allow and says so
in a note, which `init` writes as a comment beside the promise.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

_WORD_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60,
    "ninety": 90, "hundred": 100, "single": 1, "once": 1, "twice": 2,
}  # fmt: skip
_NUMBER = r"(\d+(?:\.\d+)?|" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")"
_UNIT_SECONDS = {
    "second": 1, "sec": 1, "s": 1, "minute": 60, "min": 60, "m": 60, "hour": 3600, "hr": 3600,
    "h": 3600, "day": 86400, "d": 86400, "week": 604800, "month": 30 * 86400,
    "year": 365 * 86400,
}  # fmt: skip
_UNIT = r"(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|[smhd])\b"
_BUSINESS = r"(?:(working|business|week|school)[ -])?"
# "within 2 working days", "30-day", "24 hours", "5 minutes", "20s"
_DURATION = re.compile(
    rf"\b{_NUMBER}[ -]?(?:\(\d+\) ?)?{_BUSINESS}{_UNIT}",
    re.IGNORECASE,
)
_PERCENT = re.compile(
    r"\b(\d+(?:\.\d+)?) ?(?:%|percent|per cent) of\b|\b(nine|eight|seven) (?:out of|in) ten\b",
    re.IGNORECASE,
)
_PROMISE_CUES = re.compile(
    r"\b(will|we'll|won't|shall|must|should|never|always|guarantee[ds]?|promise[sd]?|pledge|"
    r"commit(?:ted)?|aim to|undertake|can|you'll|you will|you have|within|open|available|"
    r"no more than|without|"
    r"at most|free|24/7)\b",
    re.IGNORECASE,
)
# a promise is made by the organisation to its customers: "we", "you", or someone who answers
_PERSONAL = re.compile(r"\b(we|we'll|we're|our|us|you|you'll|you're|your|someone)\b", re.I)
_WEAK_CUES = re.compile(r"\b(are|is|get|gets|receive|receives)\b", re.IGNORECASE)
_CONTACT_WORDS = re.compile(
    r"\b(number|lines?|calls?|phone|chat|support|help|person|people|someone|answer\w*|"
    r"available|team|advisers?|agents?|open)\b",
    re.IGNORECASE,
)
_ASPIRATION_ONLY = re.compile(
    r"\b(strive|endeavou?r|excellent|exceptional|world[- ]class|best possible|delight)\b",
    re.IGNORECASE,
)
_HOURS = re.compile(
    r"\b(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?\s*(?:-|–|to|until|till|and)\s*"
    r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?",
    re.IGNORECASE,
)
_DAYS = {
    "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri",
    "saturday": "sat", "sunday": "sun", "mon": "mon", "tue": "tue", "wed": "wed",
    "thu": "thu", "fri": "fri", "sat": "sat", "sun": "sun",
}  # fmt: skip
_DAY_RANGE = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)"
    r"\w*\.?\s*(?:-|–|to|through|thru)\s*"
    r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)",
    re.IGNORECASE,
)
_SCOPES: tuple[tuple[str, dict[str, list[str]]], ...] = (
    (r"written complaints?|letters?|in writing", {"channel": ["email", "web_form"]}),
    (r"e-?mails?", {"channel": ["email"]}),
    (r"social( media)?|twitter|facebook|tweets?|instagram|x \(twitter\)", {"channel": ["social"]}),
    (r"live chat|web ?chat|chats?\b", {"channel": ["chat"]}),
    (r"messages?|whatsapp|sms|texts?\b", {"channel": ["messaging"]}),
    (r"web ?forms?|online forms?|contact forms?", {"channel": ["web_form"]}),
    (r"calls?\b|phone|telephone|1-800|helpline|hotline|ring", {"channel": ["phone"]}),
)


@dataclass(frozen=True)
class Draft:
    """One promise drafted from one sentence: the promise file entry and its notes."""

    sentence: str
    promise: dict[str, Any]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unplaced:
    """A sentence that seems to promise something the patterns cannot place, and why."""

    sentence: str
    reason: str


@dataclass
class Drafted:
    drafts: list[Draft] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    calendars: dict[str, dict[str, Any]] = field(default_factory=dict)


# --- reading the text ------------------------------------------------------------------------


class _Text(HTMLParser):
    _BLOCKS = frozenset(
        {"p", "li", "br", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "dt",
         "dd", "section", "article", "header", "footer", "ul", "ol", "table", "blockquote"}
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def plain_text(text: str, name: str = "") -> str:
    """The words of a text, Markdown or HTML page, one block per line."""
    lowered = name.lower()
    if lowered.endswith((".html", ".htm")) or re.match(
        r"\s*<(!doctype|html|body|p|div)", text, re.I
    ):
        parser = _Text()
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
    else:
        text = html.unescape(text) if "&" in text and ";" in text else text
        text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [words](link) -> words
        text = re.sub(r"(\*\*|__|`)", "", text)
        text = re.sub(r"(?m)^\s{0,3}#{1,6}\s*", "", text)
        text = re.sub(r"(?m)^\s*>\s?", "", text)
    return text


_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "a.m.", "p.m.", "no.", "mr.", "mrs.", "dr.", "vs.")


def sentences(text: str) -> list[str]:
    """Sentences, each as published (bullets and numbering markers removed)."""
    found: list[str] = []
    for block in text.splitlines():
        block = re.sub(r"^\s*(?:[-*•–—]|\d+[.)])\s+", "", block).strip()
        if not block:
            continue
        start = 0
        for match in re.finditer(r"[.!?][\"'”’)]*\s+(?=[A-Z\"“‘(])", block):
            piece = block[start : match.end()].strip()
            if piece.lower().endswith(_ABBREVIATIONS):
                continue
            found.append(piece)
            start = match.end()
        if block[start:].strip():
            found.append(block[start:].strip())
    return found


# --- quantities ------------------------------------------------------------------------------


def _number(text: str) -> float:
    text = text.lower()
    return float(_WORD_NUMBERS[text]) if text in _WORD_NUMBERS else float(text)


@dataclass(frozen=True)
class _Duration:
    seconds: float
    business: bool  # working / business days or hours
    text: str
    start: int
    bounded: bool = True  # said as a bound ("within 2 days", "a 30-day ..."), not in passing

    def as_limit(self) -> str:
        for size, unit in ((86400, "d"), (3600, "h"), (60, "m"), (1, "s")):
            if self.seconds % size == 0:
                return f"{int(self.seconds // size)}{unit}"
        return f"{self.seconds:g}s"


# words that make the duration after them a bound: "within 2 days", "no more than 5 minutes"
_BOUND_WORDS = (
    r"\b(within|under|less than|more than|longer than|at most|up to|inside|over|in|by|"
    r"have|get|enjoy|offer|give you|exceeds?|takes?|after)( a| an| the| any)?( first| next)?$"
)


def _durations(sentence: str) -> list[_Duration]:
    found: list[_Duration] = []
    for match in _DURATION.finditer(sentence):
        unit = match.group(3).lower().rstrip("s") or "s"
        if unit not in _UNIT_SECONDS:
            unit = match.group(3).lower()
        if unit not in _UNIT_SECONDS:
            continue
        amount = _number(match.group(1))
        if match.group(1).lower() in ("a", "an") and unit in ("s", "m", "h", "d"):
            continue  # "a m" is not a minute
        business = match.group(2) is not None and match.group(2).lower() in ("working", "business")
        before = sentence[: match.start()].lower().rstrip()
        # "within 5-7 days": the bound is the upper end, said after the range's first number
        before = re.sub(r"\d+(?:\.\d+)?\s*(?:-|–|to)\s*$", "", before).rstrip()
        bounded = "-" in match.group(0) or re.search(_BOUND_WORDS, before) is not None
        found.append(
            _Duration(
                amount * _UNIT_SECONDS[unit], business, match.group(0), match.start(), bounded
            )
        )
    # "24/7" is availability, not a duration; "the next working day" is one business day
    for match in re.finditer(r"\bnext (working|business) day\b", sentence, re.IGNORECASE):
        found.append(_Duration(86400, True, match.group(0), match.start()))
    for match in re.finditer(r"\b(within|in) (an?|the) (hour|day|week|minute)\b", sentence, re.I):
        if any(match.start() <= d.start < match.end() for d in found):
            continue  # "within an hour" was read above, as "an hour"
        found.append(
            _Duration(_UNIT_SECONDS[match.group(3).lower()], False, match.group(0), match.start())
        )
    return sorted(found, key=lambda d: d.start)


def _target(sentence: str) -> str | None:
    match = _PERCENT.search(sentence)
    if match is None:
        return None
    if match.group(1):
        return f"{_number(match.group(1)):g}%"
    return f"{_WORD_NUMBERS[match.group(2).lower()] * 10}%"


def _count_after(sentence: str, words: str) -> int | None:
    """A count: "more than once", "no more than two transfers", "at most 1 survey"."""
    match = re.search(
        rf"(?:more than|no more than|at most|over|maximum of|max(?:imum)?|up to)\s+{_NUMBER}"
        rf"(?:\s+(?:{words}))?",
        sentence,
        re.IGNORECASE,
    )
    if match is not None:
        return int(_number(match.group(1)))
    match = re.search(rf"\b{_NUMBER}\s+(?:{words})", sentence, re.IGNORECASE)
    if match is not None:
        return int(_number(match.group(1)))
    return None


def _scope(sentence: str) -> dict[str, list[str]] | None:
    lowered = sentence.lower()
    for pattern, scope in _SCOPES:
        if re.search(rf"\b(?:{pattern})", lowered):
            return {key: list(values) for key, values in scope.items()}
    return None


# --- calendars -------------------------------------------------------------------------------


def _clock(hour: str, minute: str | None, half: str | None) -> int:
    value = int(hour)
    half = (half or "").replace(".", "").lower()
    if half == "pm" and value < 12:
        value += 12
    if half == "am" and value == 12:
        value = 0
    return value * 60 + int(minute or 0)


def _opening_hours(sentence: str) -> tuple[str, str] | None:
    """("08:00-20:00", "mon-fri") from "8am-8pm, Monday to Friday"; days default to every day."""
    for match in _HOURS.finditer(sentence):
        if not (match.group(3) or match.group(6) or match.group(2) or match.group(5)):
            continue  # "2-3 days" is not a range of hours
        start = _clock(match.group(1), match.group(2), match.group(3) or match.group(6))
        end = _clock(match.group(4), match.group(5), match.group(6))
        if end <= start and not match.group(6):
            end = _clock(match.group(4), match.group(5), "pm")
        if not 0 <= start < end <= 24 * 60:
            continue
        hours = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
        return hours, _days(sentence)
    return None


def _days(sentence: str) -> str:
    lowered = sentence.lower()
    match = _DAY_RANGE.search(lowered)
    if match is not None:
        return f"{_DAYS[match.group(1)[:3]]}-{_DAYS[match.group(2)[:3]]}"
    if re.search(r"\bweekdays?\b", lowered):
        return "mon-fri"
    return "mon-sun"


def _calendar_for(
    sentence: str, limit: _Duration | None, drafted: Drafted
) -> tuple[str | None, list[str]]:
    """The calendar a sentence states (business days, business hours, opening hours, 24/7)."""
    notes: list[str] = []
    lowered = sentence.lower()
    hours = _opening_hours(sentence)
    if re.search(r"24/7|24 hours a day|around the clock|round the clock|365 days a year", lowered):
        name, spec = "always", {"timezone": "UTC", "hours": {"mon-sun": ["00:00-24:00"]}}
    elif hours is not None:
        times, days = hours
        name = f"open-{days}-{times.replace(':', '').replace('-', '-')}"
        spec = {"timezone": "UTC", "hours": {days: [times]}}
        notes.append(f"calendar {name}: the hours the sentence states; set its timezone")
    elif limit is not None and limit.business and limit.seconds % 86400 == 0:
        name = "working-days"
        spec = {"timezone": "UTC", "hours": {"mon-fri": ["00:00-24:00"]}}
        notes.append(
            "calendar working-days: whole weekdays; set its timezone and add holidays "
            "(holidays: {country: XX}) and closed days"
        )
    elif (limit is not None and limit.business) or re.search(
        r"business hours|working hours|opening hours|office hours", lowered
    ):
        name = "business-hours"
        spec = {"timezone": "UTC", "hours": {"mon-fri": ["09:00-17:00"]}}
        notes.append(
            "calendar business-hours: a skeleton (Monday to Friday, 9:00-17:00); set your "
            "opening hours, timezone and holidays"
        )
    else:
        return None, notes
    drafted.calendars.setdefault(name, spec)
    return name, notes


# --- the kinds -------------------------------------------------------------------------------


_COMMITMENT = re.compile(
    r"\b(will|won't|we'll|you'll|never|always|guarantee[ds]?|promise[sd]?|pledge|commit\w*|"
    r"shall|must|should|aims? to)\b",
    re.IGNORECASE,
)


def _unplaced(sentence: str, reason: str) -> Unplaced | None:
    """A promise that cannot be placed is listed only when it clearly commits to something."""
    if _COMMITMENT.search(sentence) and _PERSONAL.search(sentence):
        return Unplaced(sentence, reason)
    return None


def _has(sentence: str, pattern: str) -> bool:
    return re.search(pattern, sentence, re.IGNORECASE) is not None


def _clauses(sentence: str) -> list[str]:
    """A sentence that states two bounded times ("acknowledge within 3 days and reply in full
    within 20") as its two clauses; any other sentence whole."""
    bounded = [d for d in _durations(sentence) if d.bounded]
    if len(bounded) < 2:
        return [sentence]
    first_end = bounded[0].start + len(bounded[0].text)
    split = re.search(r",? and |; ", sentence[first_end : bounded[1].start])
    if split is None:
        return [sentence]
    at = first_end + split.start()
    return [sentence[:at], sentence[at + len(split.group(0)) :]]


def _place(sentence: str, drafted: Drafted, whole: str | None = None) -> Draft | Unplaced | None:
    """The promise a sentence (or one clause of `whole`) states, the reason it cannot be
    placed, or None (no promise). Whether it promises at all is decided on the whole sentence;
    what it measures, on the clause."""
    whole = whole or sentence
    durations = [d for d in _durations(sentence) if d.bounded]
    target = _target(sentence)
    short_offer = len(whole.split()) <= 8 and re.search(r"\bfree\b|\d+-day|24/7", whole.lower())
    strong = _PROMISE_CUES.search(whole) is not None
    quantified = bool(durations or target) and (strong or _WEAK_CUES.search(whole))
    if not (short_offer or (strong and _PERSONAL.search(whole)) or quantified):
        return None
    notes: list[str] = []
    kind: str | None = None
    options: dict[str, Any] = {}
    limit = durations[0] if durations else None

    if _has(sentence, r"\bsurveys?\b|questionnaires?|feedback"):
        if not _has(sentence, r"\b(no more than|at most|more than|only|never|once|bombard|one)\b"):
            return None
        kind = "survey_cap"
        count = _count_after(sentence, r"surveys?|questionnaires?|times?")
        if count is None and _has(sentence, r"\b(once|one survey|a single survey)\b"):
            count = 1
        if count is None:
            count = 1
            notes.append("no number of surveys stated: at most 1 assumed")
        options["max"] = count
        window = _survey_window(sentence, durations)
        if window is None:
            window = "30d"
            notes.append("no period stated: 30 days assumed")
        options["window"] = window
    elif _has(sentence, r"chat ?bots?|\bbots?\b|virtual (assistant|agent)|automated assistant"):
        if not _has(sentence, r"\b(person|human|people|agent|real|someone|team member|staff)\b"):
            return _unplaced(whole, "speaks of a bot but not of reaching a person")
        kind = "human_handoff"
        options["limit"], note = _limit_or_default(limit, "2m", "to reach a person")
        notes += note
    elif _has(
        sentence,
        r"phone tree|phone menu|\bivr\b|menus?\b|press \d|menu options?|automated (phone|system)",
    ):
        kind = "ivr_time"
        steps = _count_after(sentence, r"menus?|options?|steps?|levels?|choices")
        if (
            _has(sentence, r"menus?|options?|steps?|levels?")
            and steps is not None
            and (limit is None or steps != int(limit.seconds))
        ):
            options["max_steps"] = steps
        if limit is not None:
            options["limit"] = limit.as_limit()
        if not options:
            return _unplaced(whole, "the phone menu, but no number of menus and no time")
    elif _has(sentence, r"call(ed)? (you )?back|callbacks?|call-backs?|ring you back"):
        if _has(sentence, r"\b(wait|hold|queue)\w*\b.*\b(more|longer|over|exceeds?)\b") and limit:
            kind = "callback_offer"
            options["after"] = limit.as_limit()
        elif limit is not None:
            kind = "callback_kept"
            options["limit"] = limit.as_limit()
        else:
            return _unplaced(
                sentence,
                "a callback, but no time: offered after how long, or kept within how long?",
            )
    elif _has(
        sentence,
        r"oops|mistakes?|get (it|things) wrong|got (it|something) wrong|errors?\b|put (it|"
        r"things) right|service recovery|make (it|things) right|apologi[sz]e",
    ):
        kind = "service_recovery"
        options["limit"], note = _limit_or_default(limit, None, "to put it right")
        if options["limit"] is None:
            return _unplaced(whole, "a service recovery promise with no time to put it right")
        notes += note
        if _has(sentence, r"apolog"):
            options["require_apology"] = True
        if _has(
            sentence, r"surprise|goodwill|gesture|credit|compensat|voucher|something extra|wow"
        ):
            options["require_goodwill"] = True
    elif _has(
        sentence,
        r"supervisor|manager|escalat|upstairs|say yes|empowered|first person you (speak|talk)",
    ):
        kind = "escalations"
        explicit = re.search(rf"(?:more than|at most|up to)\s+{_NUMBER}", sentence, re.I)
        options["max"] = int(_number(explicit.group(1))) if explicit else 0
    elif _has(
        sentence,
        r"transferr?(ed|ing|s)?\b|transfer you|passed (around|from|between)|run-?around|"
        r"department to department|pass you",
    ):
        kind = "transfers"
        count = _count_after(sentence, r"times?|transfers?|departments?|people|agents?")
        if count is None and _has(sentence, r"\bonce\b"):
            count = 1
        if count is None:
            count = (
                0
                if _has(sentence, r"never (be )?transferr?ed|not (be )?transferr?ed|no transfers?")
                else 1
            )
            if count == 1:
                notes.append(
                    "no number of transfers stated: one transfer (to the right team) allowed"
                )
        options["max"] = count
    elif _has(
        sentence,
        r"return shipping|returns? (are|is) free|free returns?|return postage|"
        r"returns? .*free of charge|no charge .*returns?",
    ):
        kind = "free_returns"
    elif _has(sentence, r"refund"):
        if limit is None:
            return _unplaced(whole, "a refund promise with no time")
        kind = "refund_time"
        options["limit"] = limit.as_limit()
    elif _has(sentence, r"\breturns?\b|money[- ]back|send (it|them) back"):
        if limit is None:
            return _unplaced(whole, "a return promise with no period")
        kind = "return_window"
        options["window"] = limit.as_limit()
        limit = None  # a window is not measured in business time
    elif _has(
        sentence,
        r"(have|need) to (call|contact|chase|write|ring)|call (us )?again|contact us again|"
        r"chase|repeat (yourself|your story)|follow[- ]up|first (call|contact|time)",
    ):
        kind = "repeat_contact"
        if not durations:
            options["window"] = "7d"
            notes.append("no window stated: 7 days assumed")
        else:
            options["window"] = durations[0].as_limit()
        limit = None
    elif _CONTACT_WORDS.search(sentence) and _has(
        sentence,
        r"24/7|24 hours a day|around the clock|round the clock|(always|someone|person|people|"
        r"human|team).*(answer|available|there|pick up)|open \d|lines are open",
    ):
        kind = "availability"
        limit = None
    elif _has(sentence, r"on hold") and _has(
        sentence, r"put you on hold|during (the|your) (call|conversation)|once .*speak|mid-call"
    ):
        kind = "hold_time"
    elif _has(sentence, r"\b(full|final|substantive|complete) (response|reply|replies|answer)"):
        kind = "resolution_time"
    elif _has(
        sentence, r"\b(respond|response|reply|replies|replied|get back to|acknowledge|acknowledg)"
    ) or (
        _has(sentence, r"\banswer")
        and _has(
            sentence,
            r"e-?mails?|letters?|messages?|social|tweets?|written|enquir|inquir|quer|forms?|"
            r"tickets?",
        )
    ):
        kind = "first_response"
    elif _has(
        sentence,
        r"\b(resolve|resolved|resolution|fix|fixed|sort(ed)? out|settle|closed?|complete|"
        r"deal with|dealt with|investigat)",
    ):
        kind = "resolution_time"
    elif _has(
        sentence, r"\b(answer|answered|pick up|picked up|wait|waiting|hold|queue|speak to|talk to)"
    ):
        kind = "wait_time"
    if kind is None:
        if durations or target:
            return _unplaced(whole, "a quantity, but no promise kind matches what it measures")
        return None
    if kind in ("wait_time", "hold_time", "first_response", "resolution_time"):
        if limit is None:
            if _ASPIRATION_ONLY.search(whole) or not _has(
                whole, r"\b(will|never|always|guarantee|promise|should|must|within|aim)\b"
            ):
                return None
            return _unplaced(whole, f"reads as a {kind} promise, but states no time")
        options["limit"] = limit.as_limit()
    calendar, calendar_notes = _calendar_for(
        sentence, limit if kind != "availability" else None, drafted
    )
    if kind == "availability" and calendar is None:
        return _unplaced(whole, "an availability promise, but no hours stated")
    notes += calendar_notes
    promise: dict[str, Any] = {"kind": kind, "statement": whole}
    scope = _scope(sentence)
    if kind in (
        "return_window",
        "refund_time",
        "free_returns",
        "survey_cap",
        "service_recovery",
        "callback_offer",
        "callback_kept",
        "repeat_contact",
    ):
        scope = None  # "returns by post", "call you back", "call us again": not a channel
    if kind == "human_handoff" and _has(sentence, r"chat"):
        scope = {"channel": ["chat"]}
    if scope is not None:
        promise["scope"] = scope
    promise.update(options)
    if calendar is not None:
        promise["calendar"] = calendar
    if target is not None:
        promise["target"] = target
    return Draft(whole, promise, tuple(notes))


def _survey_window(sentence: str, durations: list[_Duration]) -> str | None:
    match = re.search(
        r"\b(a|per|each|every|in any|within any|in a) (day|week|month|quarter|year)\b",
        sentence,
        re.I,
    )
    if match is not None:
        return {"day": "1d", "week": "7d", "month": "30d", "quarter": "90d", "year": "365d"}[
            match.group(2).lower()
        ]
    if durations:
        return durations[-1].as_limit()
    return None


def _limit_or_default(
    limit: _Duration | None, default: str | None, what: str
) -> tuple[str | None, list[str]]:
    if limit is not None:
        return limit.as_limit(), []
    if default is None:
        return None, []
    return default, [f"no time stated {what}: {default} assumed"]


def draft_promises(text: str, *, name: str = "", published_in: str | None = None) -> Drafted:
    """Draft the promises of a policy text (see the module docstring)."""
    drafted = Drafted()
    for sentence in sentences(plain_text(text, name)):
        for clause in _clauses(sentence):
            placed = _place(clause, drafted, sentence)
            if placed is None:
                continue
            if isinstance(placed, Unplaced):
                drafted.unplaced.append(placed)
                continue
            if published_in:
                placed.promise["published_in"] = published_in
            drafted.drafts.append(placed)
    ids: dict[str, int] = {}
    for draft in drafted.drafts:
        base = _promise_id(draft.promise)
        ids[base] = ids.get(base, 0) + 1
        promise_id = base if ids[base] == 1 else f"{base}-{ids[base]}"
        draft.promise["id"] = promise_id
    return drafted


def _promise_id(promise: dict[str, Any]) -> str:
    kind = str(promise["kind"]).replace("_", "-")
    for key in ("limit", "window", "after"):
        if key in promise:
            return f"{kind}-{promise[key]}"
    if "max" in promise:
        return f"{kind}-max-{promise['max']}"
    return kind
