"""Draw the brand images (a round thermostat dial) into custom_components/steamloop/brand."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = Path(__file__).resolve().parent.parent / "custom_components" / "steamloop" / "brand"
ORANGE = (235, 110, 40, 255)
BLUE = (40, 120, 220, 255)


def dial(size: int, *, dark: bool) -> Image.Image:
    """Return a thermostat dial: a ring split warm/cool around a pointer."""
    scale = size / 256
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    face = (40, 44, 52, 255) if dark else (250, 250, 250, 255)
    ink = (235, 235, 235, 255) if dark else (50, 54, 62, 255)
    pad, width = 12 * scale, 22 * scale
    box = (pad, pad, size - pad, size - pad)
    draw.ellipse(box, fill=face)
    draw.arc(box, start=135, end=270, fill=BLUE, width=round(width))
    draw.arc(box, start=270, end=405, fill=ORANGE, width=round(width))
    centre = size / 2
    r = 26 * scale
    draw.ellipse((centre - r, centre - r, centre + r, centre + r), fill=ink)
    draw.line(
        (centre, centre, centre + 62 * scale, centre - 62 * scale),
        fill=ink,
        width=round(12 * scale),
    )
    return img


def logo(height: int, *, dark: bool) -> Image.Image:
    """Return the dial followed by three bars: a landscape logo."""
    img = Image.new("RGBA", (height * 2, height), (0, 0, 0, 0))
    img.paste(dial(height, dark=dark), (0, 0))
    draw = ImageDraw.Draw(img)
    ink = (235, 235, 235, 255) if dark else (50, 54, 62, 255)
    unit = height / 256
    for i, length in enumerate((200, 150, 100)):
        top = (70 + i * 48) * unit
        draw.rounded_rectangle(
            (280 * unit, top, (280 + length) * unit, top + 24 * unit), radius=12 * unit, fill=ink
        )
    return img


def main() -> None:
    """Write every brand image."""
    BRAND.mkdir(parents=True, exist_ok=True)
    for dark in (False, True):
        prefix = "dark_" if dark else ""
        dial(256, dark=dark).save(BRAND / f"{prefix}icon.png")
        dial(512, dark=dark).save(BRAND / f"{prefix}icon@2x.png")
        logo(256, dark=dark).save(BRAND / f"{prefix}logo.png")
        logo(512, dark=dark).save(BRAND / f"{prefix}logo@2x.png")


if __name__ == "__main__":
    main()
