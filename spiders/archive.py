"""Read archived responses from WARC files (ISO 28500), as the platform served them.

Saved crawls, test fixtures, bug reports and web-archive captures are WARCs;
``profiles check`` and ``crawl --replay`` read them through this module.
A Wayback Machine capture (``https://web.archive.org/web/<ts>id_/<url>``) is
unwrapped to the URL the platform served.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

_WAYBACK = re.compile(r"^https?://web\.archive\.org/web/\d{1,14}[a-z_]*/(?P<url>.+)$")
# Transport headers describe the bytes the archive sent, not the body kept in the record.
_DROPPED = {"transfer-encoding", "content-encoding", "content-length", "connection"}


class ArchiveError(ValueError):
    """A file is not a readable WARC; the message names it."""


@dataclass(frozen=True)
class ArchivedResponse:
    """One HTTP response from a WARC: the URL the platform served, its status, headers, body."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    source: str
    date: str | None = None

    @property
    def content_type(self) -> str:
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value
        return ""


def original_url(target_uri: str) -> str:
    """The platform's URL behind a Wayback Machine address; other URLs unchanged."""
    match = _WAYBACK.match(target_uri)
    return match.group("url") if match else target_uri


def _status(statusline: str) -> int:
    for part in statusline.split():
        if part.isdigit() and len(part) == 3:
            return int(part)
    raise ValueError(f"no status code in {statusline!r}")


def read_warc(path: Path) -> Iterator[ArchivedResponse]:
    """Every response record in ``path`` (gzipped or not), in file order."""
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot read: {exc.strerror}") from exc
    with stream:
        try:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                try:
                    status = _status(record.http_headers.statusline)
                except ValueError as exc:
                    raise ArchiveError(f"{path}: record for {uri}: {exc}") from exc
                headers = [
                    (name, value)
                    for name, value in record.http_headers.headers
                    if name.lower() not in _DROPPED
                ]
                yield ArchivedResponse(
                    url=original_url(uri),
                    status=status,
                    headers=headers,
                    body=record.content_stream().read(),
                    source=str(path),
                    date=record.rec_headers.get_header("WARC-Date"),
                )
        except ArchiveLoadFailed as exc:
            raise ArchiveError(f"{path}: not a WARC file: {exc}") from exc


def warc_files(path: Path) -> list[Path]:
    """``path`` itself, or the WARCs in a folder (``*.warc``, ``*.warc.gz``), sorted."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.name.endswith((".warc", ".warc.gz")))
    if not path.exists():
        raise ArchiveError(f"{path}: no such file or folder")
    return [path]


def read_archives(path: Path) -> Iterator[ArchivedResponse]:
    for file in warc_files(path):
        yield from read_warc(file)


def _query_value(url: str, name: str) -> str | None:
    """A query parameter's value, percent-decoded as UTF-8, else GB18030 (old Chinese pages)."""
    from urllib.parse import unquote_to_bytes

    for pair in urlsplit(url).query.split("&"):
        key, _, raw = pair.partition("=")
        if key == name:
            data = unquote_to_bytes(raw.replace("+", " "))
            for encoding in ("utf-8", "gb18030"):
                try:
                    return data.decode(encoding)
                except UnicodeDecodeError:
                    continue
            return data.decode("utf-8", errors="replace")
    return None


def _on(host: str, domains: Sequence[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def entry_pages(
    responses: list[ArchivedResponse], templates: list[str], domains: Sequence[str] = ()
) -> list[tuple[str, str | None]]:
    """(url, keyword) of the archived pages a query template could have produced.

    A page matches a template with the same path on the template's host or on
    one of ``domains`` (www.bing.com for cn.bing.com); its keyword is the value
    of the query parameter that holds ``{keyword}`` in the template.
    """
    out: list[tuple[str, str | None]] = []
    for response in responses:
        if response.status != 200:
            continue
        got = urlsplit(response.url)
        for template in templates:
            want = urlsplit(template)
            host = got.hostname or ""
            if got.path.lower() != want.path.lower():
                continue
            if host != want.hostname and not _on(host, domains):
                continue
            param = next(
                (
                    k
                    for k, _, v in (p.partition("=") for p in want.query.split("&"))
                    if "{keyword}" in v
                ),
                None,
            )
            out.append((response.url, _query_value(response.url, param) if param else None))
            break
    return out
