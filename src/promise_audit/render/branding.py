"""Who a report is for and how it looks: one frozen value every report renderer takes."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

from promise_audit.errors import UsageError

DEFAULT_ACCENT = "#1F3A5F"
LOGO_LIMIT = 512 * 1024


@dataclass(frozen=True)
class Branding:
    """The report's client, preparer, accent colour and logo, checked (`make_branding`)."""

    client: str | None = None
    prepared_by: str | None = None
    accent: str = DEFAULT_ACCENT
    accent_ink: str = "#FFFFFF"  # text on the accent colour, black or white for contrast
    logo: str | None = None  # a data: URI


_ACCENT = re.compile(r"#[0-9A-Fa-f]{6}")
_LOGO_TYPES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def make_branding(
    *,
    client: str | None = None,
    prepared_by: str | None = None,
    accent: str | None = None,
    logo: str | Path | None = None,
) -> Branding:
    """Check the branding options: accent is #RRGGBB; the logo file becomes a data: URI."""
    colour = DEFAULT_ACCENT
    if accent is not None:
        if not _ACCENT.fullmatch(accent):
            raise UsageError(f"--accent {accent!r}: give a colour as #RRGGBB, e.g. #1F3A5F")
        colour = accent.upper()
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return Branding(
        client=client or None,
        prepared_by=prepared_by or None,
        accent=colour,
        accent_ink="#FFFFFF" if luminance < 0.55 else "#111111",
        logo=None if logo is None else logo_data_uri(Path(logo)),
    )


def logo_data_uri(path: Path) -> str:
    """A PNG, JPEG, GIF, WebP or SVG file as a data: URI (an <img> runs no script in an SVG)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"--logo {path}: cannot read it ({error.strerror})") from None
    if len(data) > LOGO_LIMIT:
        raise UsageError(f"--logo {path}: {len(data):,} bytes; the limit is {LOGO_LIMIT:,}")
    media = next((m for magic, m in _LOGO_TYPES if data.startswith(magic)), None)
    if media is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        media = "image/webp"
    if media is None and path.suffix.lower() == ".svg" and b"<svg" in data[:4096]:
        media = "image/svg+xml"
    if media is None:
        raise UsageError(f"--logo {path}: not a PNG, JPEG, GIF, WebP or SVG image")
    return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"


__all__ = ["DEFAULT_ACCENT", "Branding", "logo_data_uri", "make_branding"]
