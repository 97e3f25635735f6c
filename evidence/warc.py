"""WARC (ISO 28500) records of what the browser received, written with warcio.

Bodies come from the browser after transfer and content decoding, so the
``Content-Encoding``/``Transfer-Encoding`` headers are dropped from the stored
HTTP headers and ``Content-Length`` is set to the stored body; the original
headers stay verbatim in the capture's ``headers`` artifact.  Each record is
gzip-compressed on its own (``.warc.gz``), as replay tools expect.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from evidence.canonical import utc_iso

_DROP = frozenset({"content-encoding", "transfer-encoding", "content-length"})


@dataclass
class Exchange:
    """One request and its response as the browser saw them."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    status_text: str
    response_headers: list[tuple[str, str]]
    body: bytes
    server_ip: str | None = None
    request_body: bytes = b""
    time: datetime | None = None
    notes: list[str] = field(default_factory=list)


def _warc_date(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return utc_iso(moment)


def build_warc(exchanges: list[Exchange], software: str, description: str) -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="WARC/1.1")
    info = writer.create_warcinfo_record(
        "capture.warc.gz",
        {
            "software": software,
            "format": "WARC File Format 1.1",
            "description": description,
            "note": "bodies stored decoded; Content-Encoding/Transfer-Encoding removed, see headers artifact",
        },
    )
    writer.write_record(info)
    for ex in exchanges:
        headers = [(k, v) for k, v in ex.response_headers if k.lower() not in _DROP]
        headers.append(("Content-Length", str(len(ex.body))))
        reason = ex.status_text or "-"
        warc_headers: dict[str, str] = {}
        date = _warc_date(ex.time)
        if date:
            warc_headers["WARC-Date"] = date
        if ex.server_ip:
            warc_headers["WARC-IP-Address"] = ex.server_ip
        response = writer.create_warc_record(
            ex.url,
            "response",
            payload=io.BytesIO(ex.body),
            length=len(ex.body),
            http_headers=StatusAndHeaders(f"{ex.status} {reason}", headers, protocol="HTTP/1.1"),
            warc_headers_dict=warc_headers,
        )
        parts = urlsplit(ex.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request = writer.create_warc_record(
            ex.url,
            "request",
            payload=io.BytesIO(ex.request_body),
            length=len(ex.request_body),
            http_headers=StatusAndHeaders(
                f"{ex.method} {target} HTTP/1.1",
                [(k, v) for k, v in ex.request_headers if not k.startswith(":")],
                is_http_request=True,
            ),
            warc_headers_dict=dict(warc_headers),
        )
        writer.write_request_response_pair(request, response)
    return buf.getvalue()
