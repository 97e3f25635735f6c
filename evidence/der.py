"""Just enough DER (X.690) to build an RFC 3161 request and read the reply.

``cryptography`` has no TSP support and no general ASN.1 codec is installed, so
this reads and writes the few TLVs the protocol needs, nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass

from evidence.errors import EvidenceError

INTEGER, OCTET_STRING, NULL, OID, SEQUENCE, SET, BOOLEAN, GENERALIZED_TIME = (
    0x02, 0x04, 0x05, 0x06, 0x30, 0x31, 0x01, 0x18,
)  # fmt: skip
CONTEXT_0 = 0xA0


class DerError(EvidenceError):
    """Bytes that should be DER are not (truncated, bad length, unexpected tag)."""


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _length(len(value)) + value


def integer(n: int) -> bytes:
    raw = n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True)
    return tlv(INTEGER, raw)


def oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytearray([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        part >>= 7
        while part:
            chunk.append(0x80 | (part & 0x7F))
            part >>= 7
        body.extend(reversed(chunk))
    return tlv(OID, bytes(body))


def sequence(*items: bytes) -> bytes:
    return tlv(SEQUENCE, b"".join(items))


@dataclass(frozen=True)
class Node:
    tag: int
    value: bytes

    def children(self) -> list[Node]:
        return parse_all(self.value)

    def as_int(self) -> int:
        if self.tag != INTEGER:
            raise DerError(f"expected INTEGER, got tag 0x{self.tag:02x}")
        return int.from_bytes(self.value, "big", signed=True)


def parse_one(data: bytes, pos: int = 0) -> tuple[Node, int]:
    if pos + 2 > len(data):
        raise DerError("truncated DER")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags are not supported")
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 8 or pos + count > len(data):
            raise DerError("bad DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise DerError("DER value runs past the end")
    return Node(tag, data[pos:end]), end


def parse_all(data: bytes) -> list[Node]:
    nodes: list[Node] = []
    pos = 0
    while pos < len(data):
        node, pos = parse_one(data, pos)
        nodes.append(node)
    return nodes
