"""Draws demo photos as small SVG scenes, so the demo marketplace needs no image CDN and
no binary files in the repository. The picture follows from the URL alone."""

from __future__ import annotations

import hashlib
from html import escape

from fastapi import APIRouter, Path
from fastapi.responses import Response

router = APIRouter(include_in_schema=False)

PALETTES = (
    ("#0e7490", "#67e8f9", "#f59e0b"),  # sea and sun
    ("#7c2d12", "#fdba74", "#fde68a"),  # desert dunes
    ("#1e3a8a", "#93c5fd", "#f8fafc"),  # night skyline
    ("#14532d", "#86efac", "#fef9c3"),  # gardens
    ("#581c87", "#d8b4fe", "#fbcfe8"),  # dusk
)


@router.get("/media/demo/{name}.svg")
def demo_photo(name: str = Path(pattern=r"^[0-9a-f]{8}(-[a-z0-9-]{0,60})?$")) -> Response:
    seed, _, slug = name.partition("-")
    return Response(
        render(seed, slug.replace("-", " ").strip().capitalize()),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def render(seed: str, caption: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    deep, light, accent = PALETTES[digest[0] % len(PALETTES)]
    towers = "".join(
        f'<rect x="{40 + i * 70}" y="{300 - digest[i + 1] % 160}" width="50" '
        f'height="{digest[i + 1] % 160 + 120}" fill="{deep}" opacity="0.85"/>'
        for i in range(10)
    )
    sun_x = 120 + digest[12] % 560
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 500" role="img" '
        f'aria-label="{escape(caption)}">'
        f'<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{light}"/><stop offset="1" stop-color="{accent}"/>'
        "</linearGradient></defs>"
        '<rect width="800" height="500" fill="url(#sky)"/>'
        f'<circle cx="{sun_x}" cy="110" r="48" fill="{accent}" opacity="0.9"/>'
        f"{towers}"
        f'<rect y="420" width="800" height="80" fill="{deep}"/>'
        f'<text x="30" y="470" font-family="sans-serif" font-size="28" fill="#fff">'
        f"{escape(caption)}</text></svg>"
    )
