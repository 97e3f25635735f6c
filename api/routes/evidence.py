"""Evidence artifacts, served by hash from the content-addressed store only.

The hash must be 64 lowercase hex characters and belong to an artifact recorded
in the database; the bytes come from ``evidence.store`` (never a path from the
request), are hashed again before they are served, and go out with headers that
stop a browser from ever treating them as a page: images as themselves after a
magic-number check, DOM, bodies and headers as text/plain, anything else as a
download.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response, status
from sqlalchemy import select

from api.deps import CurrentUser, SessionDep, SettingsDep
from store import EvidenceArtifact

router = APIRouter(tags=["evidence"])

Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the artifact")]
IMAGE_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
TEXT_KINDS = frozenset({"dom", "body", "headers", "manifest", "text", "har"})


def _headers(filename: str, disposition: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=86400, immutable",
        "Cross-Origin-Resource-Policy": "same-origin",
    }


@router.get(
    "/evidence/{sha256}",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}, "text/plain": {}, "application/octet-stream": {}}},
        404: {},
        409: {},
    },
)
def get_artifact(
    sha256: Sha256, request: Request, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """The bytes of one evidence artifact (screenshot, DOM, body, headers, WARC...)."""
    from evidence import ArtifactNotFound, ArtifactStoreError, LocalArtifactStore

    artifact = session.scalar(
        select(EvidenceArtifact).where(EvidenceArtifact.sha256 == sha256).limit(1)
    )
    if artifact is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such evidence artifact")
    store = LocalArtifactStore(settings.resolved_evidence_dir)
    try:
        data = store.get(sha256)
    except ArtifactNotFound as exc:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, "artifact recorded but missing from the store"
        ) from exc
    except ArtifactStoreError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"evidence store: {exc}") from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "artifact fails its hash check: the store was altered"
        )

    media = artifact.media_type.split(";")[0].strip().lower()
    magic = IMAGE_MAGIC.get(media)
    if magic is not None and data.startswith(magic):
        ext = "png" if media == "image/png" else "jpg"
        return Response(data, media_type=media, headers=_headers(f"{sha256}.{ext}", "inline"))
    if artifact.kind in TEXT_KINDS or media.startswith("text/") or media in {"application/json"}:
        return Response(
            data,
            media_type="text/plain; charset=utf-8",
            headers=_headers(f"{sha256}.txt", "inline"),
        )
    return Response(
        data, media_type="application/octet-stream", headers=_headers(f"{sha256}.bin", "attachment")
    )
