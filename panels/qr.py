"""QR codes, drawn on the server as inline SVG markup.

Inline markup rather than an image: the Content Security Policy takes images from our own
origin only (no data: URLs), and markup needs no image library (segno is pure Python).
"""

import io

import segno
from django.utils.safestring import SafeString, mark_safe

# Four modules of light margin around the code (the quiet zone the standard asks for), and
# error correction M: a code projected on a wall still reads with glare on part of it.
QUIET_ZONE = 4
ERROR_CORRECTION = "m"


def qr_code(text: str) -> segno.QRCode:
    return segno.make(text, error=ERROR_CORRECTION, micro=False)


def qr_svg(text: str) -> SafeString:
    """`text` as an <svg> element, black on white, sized by its CSS (a viewBox, no width)."""
    out = io.BytesIO()
    qr_code(text).save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=False,
        nl=False,
        border=QUIET_ZONE,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass="qr",
        lineclass=None,
    )
    # Only segno's own output, made of the code's geometry and the constants above: the
    # text itself is never written into the markup.
    return mark_safe(out.getvalue().decode())  # noqa: S308
