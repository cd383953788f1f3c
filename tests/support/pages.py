"""What the browser tests check on a page: PNG screenshots decoded without PIL, requests kept
on relgraph's own origin, the Content-Security-Policy, and the token bar used as a person would."""

from __future__ import annotations

import struct
import zlib

from browser import Page
from server import Server

__all__ = ["assert_offline", "assert_policy_holds", "colours_in", "near", "png_pixels", "save_token"]

# --- PNG, without PIL ------------------------------------------------------------------------------


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA, non-interlaced PNG into (width, height, rows of raw pixel bytes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, idat, header = 8, b"", None
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunk = data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        elif kind == b"IEND":
            break
    assert header is not None, "PNG without IHDR"
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"unsupported PNG {header}"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            upper_left = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - upper_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def colours_in(
    image: tuple[int, int, list[bytes]], box: tuple[int, int, int, int] | None = None
) -> dict[bytes, int]:
    """How many pixels of each RGB colour a decoded PNG has (inside box = (left, top, right, bottom))."""
    width, height, rows = image
    bpp = len(rows[0]) // width
    left, top, right, bottom = box or (0, 0, width, height)
    counts: dict[bytes, int] = {}
    for row in rows[max(0, top) : min(height, bottom)]:
        for x in range(max(0, left), min(width, right)):
            pixel = row[x * bpp : x * bpp + 3]
            counts[pixel] = counts.get(pixel, 0) + 1
    return counts


def near(counts: dict[bytes, int], rgb: tuple[int, int, int], tolerance: int = 12) -> int:
    return sum(n for c, n in counts.items() if all(abs(c[i] - rgb[i]) <= tolerance for i in range(3)))


def assert_offline(page: Page, server: Server) -> None:
    """Every request the page made went to relgraph itself (or was a data: URL)."""
    urls = page.requested_urls()
    assert urls, "no requests recorded"
    foreign = [u for u in urls if not u.startswith((server.url + "/", "data:"))]
    assert not foreign, f"requests to other hosts: {foreign}"


def assert_policy_holds(page: Page, url: str) -> None:
    """The page came with its Content-Security-Policy, nothing it does breaks it, and it is enforced."""
    headers = page.response_headers(url)
    assert "frame-ancestors 'none'" in headers["content-security-policy"], headers
    assert headers["x-content-type-options"] == "nosniff", headers
    assert page.evaluate("window.cspViolations") == [], page.evaluate("window.cspViolations")
    injected = page.evaluate(
        """(() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';
                    document.body.appendChild(s); return window.injected === undefined; })()"""
    )
    assert injected, "an inline script ran: the policy is not enforced"
    page.wait_for("window.cspViolations.length === 1", what="the refused inline script to be reported")


def save_token(page: Page, token: str) -> None:
    """The token bar, as a user: paste the token, click Save."""
    page.type_into("#relgraph-token", token)
    page.click("#relgraph-token-save")
    page.wait_for("localStorage.getItem('relgraph.token') !== null", what="the token to be saved")
