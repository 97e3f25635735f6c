"""The deployment's Ed25519 signing key: created on first use, private part kept at 0600.

Signatures are raw 64-byte Ed25519 signatures over the exact bytes signed, so
a third party checks them with ``openssl pkeyutl -verify -pubin -inkey
public_key.pem -rawin -in FILE -sigfile FILE.sig``.
"""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from evidence.errors import SigningKeyError
from evidence.store import write_once

PRIVATE_NAME = "evidence_ed25519.pem"
PUBLIC_NAME = "evidence_ed25519.pub.pem"


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the DER SubjectPublicKeyInfo (what ``openssl pkey -pubin -outform DER | sha256sum`` gives)."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise SigningKeyError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"expected an Ed25519 public key, got {type(key).__name__}")
    return key


def verify_signature(public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


class Signer:
    """Loads (or on first use creates) the private key under ``key_dir``."""

    def __init__(self, key_dir: Path) -> None:
        self.key_dir = Path(key_dir)
        self._private = self._load_or_create()
        self.public_key = self._private.public_key()
        self.fingerprint = key_fingerprint(self.public_key)

    @property
    def private_path(self) -> Path:
        return self.key_dir / PRIVATE_NAME

    @property
    def public_path(self) -> Path:
        return self.key_dir / PUBLIC_NAME

    def _load_or_create(self) -> Ed25519PrivateKey:
        path = self.private_path
        if path.exists():
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                raise SigningKeyError(
                    f"{path} is readable by others (mode {mode:o}); run chmod 600 {path}"
                )
            try:
                key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            except (ValueError, TypeError) as exc:
                raise SigningKeyError(f"{path}: not an unencrypted PEM private key: {exc}") from exc
            if not isinstance(key, Ed25519PrivateKey):
                raise SigningKeyError(f"{path}: expected an Ed25519 key, got {type(key).__name__}")
            return key
        self.key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            write_once(path, pem, mode=0o600)
        except FileExistsError:
            # another process created the key meanwhile: use theirs
            return self._load_or_create()
        self.public_path.write_bytes(public_key_pem(key.public_key()))
        return key

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data)

    def public_pem(self) -> bytes:
        return public_key_pem(self.public_key)
