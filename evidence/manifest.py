"""The manifest of one capture: what was captured, from where, when, by whom, with what.

A manifest is stored as canonical JSON (``canonical.canonical_json``); its
SHA-256 goes into the ledger and its bytes are signed as they are.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from evidence.canonical import canonical_json
from evidence.errors import EvidenceError

SCHEMA = "lantian-evidence-manifest/1"


class ManifestError(EvidenceError):
    """A manifest file could not be parsed."""


class ArtifactRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    sha256: str
    size: int
    media_type: str


class RedirectRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    status: int
    location: str | None


class SignerRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    algorithm: str = "Ed25519"
    public_key_sha256: str


class ChainRef(BaseModel):
    """Where this manifest sits in the ledger, committed to by its signature.

    ``index`` is the ledger entry the manifest takes; ``prev_hash`` is the entry
    hash of the head before it (64 zeros for the first).  Rewriting the ledger
    after removing an entry (recomputing every hash) then no longer verifies:
    the later signed manifests still name the old chain.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int
    prev_hash: str


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_: str = SCHEMA
    capture_uid: str
    listing_ref: str
    run_ref: str | None
    reason: str
    url: str
    final_url: str
    http_status: int
    server_ip: str | None
    server_port: int | None
    redirect_chain: list[RedirectRef]
    started_at: str
    captured_at: str
    clock: dict[str, Any]
    environment: dict[str, Any]
    operator: str
    notes: list[str]
    artifacts: list[ArtifactRef]
    signer: SignerRef
    chain: ChainRef | None = None

    def to_json_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["schema"] = data.pop("schema_")
        if data.get("chain") is None:  # manifests written before the chain anchor existed
            data.pop("chain", None)
        return data

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json_dict())

    @classmethod
    def from_bytes(cls, raw: bytes, origin: str = "manifest") -> Manifest:
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ManifestError(f"{origin}: not UTF-8 JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ManifestError(f"{origin}: expected a JSON object")
        data["schema_"] = data.pop("schema", None)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            fields = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise ManifestError(f"{origin}: {fields}") from exc

    def artifact(self, kind: str) -> ArtifactRef | None:
        return next((a for a in self.artifacts if a.kind == kind), None)
