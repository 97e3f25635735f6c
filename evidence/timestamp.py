"""RFC 3161 trusted timestamps over a manifest's bytes, from a configured authority (TSA).

The request carries the manifest's SHA-256, a random nonce and ``certReq``;
the reply is stored verbatim as ``manifests/<uid>.json.tsr`` so a third party
checks it with ``openssl ts -verify -in <uid>.json.tsr -data <uid>.json
-CAfile <TSA CA>``.  Here we check what we can without the TSA's CA: the
status, that the token's message imprint is this manifest's hash, and the
nonce; and we read the authority's time (``genTime``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from evidence import der
from evidence.errors import EvidenceError

SHA256_OID = "2.16.840.1.101.3.4.2.1"
_STATUS = {0: "granted", 1: "grantedWithMods", 2: "rejection", 3: "waiting", 4: "revocationWarning",
           5: "revocationNotification"}  # fmt: skip


class TimestampError(EvidenceError):
    """The TSA could not be reached, refused, or answered with something that is not a valid token."""


@dataclass(frozen=True)
class TimestampToken:
    response: bytes
    gen_time: datetime
    serial: int
    imprint: bytes


def build_request(digest: bytes, nonce: int) -> bytes:
    imprint = der.sequence(
        der.sequence(der.oid(SHA256_OID), der.tlv(der.NULL, b"")), der.tlv(der.OCTET_STRING, digest)
    )
    return der.sequence(der.integer(1), imprint, der.integer(nonce), der.tlv(der.BOOLEAN, b"\xff"))


def _gen_time(text: str) -> datetime:
    core = text.rstrip("Z")
    fmt = "%Y%m%d%H%M%S.%f" if "." in core else "%Y%m%d%H%M%S"
    return datetime.strptime(core, fmt).replace(tzinfo=UTC)


def parse_response(response: bytes, expected_digest: bytes, nonce: int | None) -> TimestampToken:
    """Check status, imprint and nonce of a TimeStampResp; raise :class:`TimestampError` if wrong."""
    try:
        resp = der.parse_all(response)
        if len(resp) != 1 or resp[0].tag != der.SEQUENCE:
            raise TimestampError("reply is not a TimeStampResp SEQUENCE")
        parts = resp[0].children()
        status = parts[0].children()[0].as_int()
        if status not in (0, 1):
            raise TimestampError(f"TSA refused: status {_STATUS.get(status, status)}")
        if len(parts) < 2:
            raise TimestampError("TSA granted but sent no token")
        # ContentInfo -> [0] SignedData -> encapContentInfo -> [0] eContent OCTET STRING -> TSTInfo
        content_info = parts[1].children()
        signed_data = content_info[1].children()[0].children()
        encap = next(n for n in signed_data if n.tag == der.SEQUENCE).children()
        tst_octets = encap[1].children()[0]
        tst = der.parse_all(tst_octets.value)[0].children()
        imprint = tst[2].children()[1].value
        serial = tst[3].as_int()
        gen_time = _gen_time(tst[4].value.decode("ascii"))
        token_nonce = next((n.as_int() for n in tst[5:] if n.tag == der.INTEGER), None)
    except (der.DerError, IndexError, StopIteration, UnicodeDecodeError, ValueError) as exc:
        raise TimestampError(f"malformed timestamp reply: {exc}") from exc
    if imprint != expected_digest:
        raise TimestampError("timestamp token covers a different hash than this manifest")
    if nonce is not None and token_nonce != nonce:
        raise TimestampError("timestamp token nonce does not match the request (replayed reply?)")
    return TimestampToken(response, gen_time, serial, imprint)


def request_timestamp(tsa_url: str, data: bytes, timeout_s: float = 15.0) -> TimestampToken:
    digest = hashlib.sha256(data).digest()
    nonce = secrets.randbits(63)
    try:
        reply = httpx.post(
            tsa_url,
            content=build_request(digest, nonce),
            headers={"Content-Type": "application/timestamp-query"},
            timeout=timeout_s,
        )
    except httpx.HTTPError as exc:
        raise TimestampError(f"TSA {tsa_url} unreachable: {exc}") from exc
    if reply.status_code != 200:
        raise TimestampError(f"TSA {tsa_url} answered HTTP {reply.status_code}")
    return parse_response(reply.content, digest, nonce)
