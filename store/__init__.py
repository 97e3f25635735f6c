"""The system of record: SQLAlchemy tables, sessions and migrations, and the functions that
change records (listing states, reviews' audit trail, actors, offices, users, captures).

Public surface, loaded on first use (so ``import store`` stays cheap and a module that
only needs the tables does not pull in the evidence vault or the classifier's registers):
the names in ``__all__`` below, plus three modules used by name:

- ``store.audit``: ``audit.record(session, ...)``, the audit trail;
- ``store.permissions``: the table of which role may do what;
- ``store.search``: the search index (FTS5 or Elasticsearch) and its query model.

Everything else is internal: other packages import ``from store import Listing``, never
``from store.models import Listing`` (the ``public-surface`` import contract).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__public_modules__ = ("audit", "permissions", "search")

if TYPE_CHECKING:
    from store.access_models import ApiToken, AuditEntry, User
    from store.actor_profile import CONFIRMED as CONFIRMED_STATUSES
    from store.actor_profile import ActorProfile, build_profile
    from store.actors import (
        ActorError,
        link_actor,
        link_actors,
        merge_actors,
        post_author_keys,
        split_actor,
    )
    from store.classifications import apply_verdict, record_verdict, record_verdicts
    from store.db import (
        alembic_config,
        current_revision,
        engine_scope,
        make_engine,
        make_sessionmaker,
        session_scope,
        upgrade,
    )
    from store.evidence import add_capture, adopt_unrecorded, capture_anchors
    from store.licensed import import_register, load_registry
    from store.listing_state import change_listing, outbox_batch, queue_for_index
    from store.listings import Observation, record_observation, record_observations
    from store.model_types import (
        ItemStatus,
        ListingStatus,
        NoticeStatus,
        ReviewAction,
        Role,
        RunStatus,
        SourceKind,
        utcnow,
    )
    from store.models import (
        Actor,
        Campaign,
        CampaignRun,
        Classification,
        EvidenceArtifact,
        EvidenceCapture,
        Listing,
        ListingVersion,
        Platform,
        Review,
        RuleHit,
        TakedownCheck,
        TakedownItem,
        TakedownNotice,
    )
    from store.offices import FINDING_STATUSES, OfficeTransferError, assign_offices, transfer_actor
    from store.problems import latest_by_platform, problems_for_run, record_problem
    from store.session_backends import SessionSettings, open_backends_for
    from store.sessions import LoginCounter, SessionStore
    from store.users import (
        UserError,
        authenticate,
        create_api_token,
        create_user,
        hash_password,
        set_active,
        set_password,
        set_role,
        user_for_token,
    )

_LAZY = {
    "ApiToken": "store.access_models",
    "AuditEntry": "store.access_models",
    "User": "store.access_models",
    "ActorProfile": "store.actor_profile",
    "build_profile": "store.actor_profile",
    "CONFIRMED_STATUSES": "store.actor_profile:CONFIRMED",
    "ActorError": "store.actors",
    "link_actor": "store.actors",
    "link_actors": "store.actors",
    "merge_actors": "store.actors",
    "post_author_keys": "store.actors",
    "split_actor": "store.actors",
    "apply_verdict": "store.classifications",
    "record_verdict": "store.classifications",
    "record_verdicts": "store.classifications",
    "alembic_config": "store.db",
    "current_revision": "store.db",
    "engine_scope": "store.db",
    "make_engine": "store.db",
    "make_sessionmaker": "store.db",
    "session_scope": "store.db",
    "upgrade": "store.db",
    "add_capture": "store.evidence",
    "adopt_unrecorded": "store.evidence",
    "capture_anchors": "store.evidence",
    "import_register": "store.licensed",
    "load_registry": "store.licensed",
    "change_listing": "store.listing_state",
    "outbox_batch": "store.listing_state",
    "queue_for_index": "store.listing_state",
    "Observation": "store.listings",
    "record_observation": "store.listings",
    "record_observations": "store.listings",
    "ItemStatus": "store.model_types",
    "ListingStatus": "store.model_types",
    "NoticeStatus": "store.model_types",
    "ReviewAction": "store.model_types",
    "Role": "store.model_types",
    "RunStatus": "store.model_types",
    "SourceKind": "store.model_types",
    "utcnow": "store.model_types",
    "Actor": "store.models",
    "Campaign": "store.models",
    "CampaignRun": "store.models",
    "Classification": "store.models",
    "EvidenceArtifact": "store.models",
    "EvidenceCapture": "store.models",
    "Listing": "store.models",
    "ListingVersion": "store.models",
    "Platform": "store.models",
    "Review": "store.models",
    "RuleHit": "store.models",
    "TakedownCheck": "store.models",
    "TakedownItem": "store.models",
    "TakedownNotice": "store.models",
    "FINDING_STATUSES": "store.offices",
    "OfficeTransferError": "store.offices",
    "assign_offices": "store.offices",
    "transfer_actor": "store.offices",
    "latest_by_platform": "store.problems",
    "problems_for_run": "store.problems",
    "record_problem": "store.problems",
    "LoginCounter": "store.sessions",
    "SessionSettings": "store.session_backends",
    "SessionStore": "store.sessions",
    "open_backends_for": "store.session_backends",
    "UserError": "store.users",
    "authenticate": "store.users",
    "create_api_token": "store.users",
    "create_user": "store.users",
    "hash_password": "store.users",
    "set_active": "store.users",
    "set_password": "store.users",
    "set_role": "store.users",
    "user_for_token": "store.users",
}


def __getattr__(name: str) -> Any:
    """Each part loads on first use (captures pull in the evidence vault, offices the registers)."""
    if name in _LAZY:
        module, _, attr = _LAZY[name].partition(":")
        return getattr(importlib.import_module(module), attr or name)
    raise AttributeError(f"module 'store' has no attribute {name!r}")


__all__ = [
    "Actor",
    "ActorError",
    "ActorProfile",
    "ApiToken",
    "AuditEntry",
    "CONFIRMED_STATUSES",
    "Campaign",
    "CampaignRun",
    "Classification",
    "EvidenceArtifact",
    "EvidenceCapture",
    "FINDING_STATUSES",
    "ItemStatus",
    "Listing",
    "ListingStatus",
    "ListingVersion",
    "LoginCounter",
    "NoticeStatus",
    "Observation",
    "OfficeTransferError",
    "Platform",
    "Review",
    "ReviewAction",
    "Role",
    "RuleHit",
    "RunStatus",
    "SessionSettings",
    "SessionStore",
    "SourceKind",
    "TakedownCheck",
    "TakedownItem",
    "TakedownNotice",
    "User",
    "UserError",
    "add_capture",
    "adopt_unrecorded",
    "alembic_config",
    "apply_verdict",
    "assign_offices",
    "authenticate",
    "build_profile",
    "capture_anchors",
    "change_listing",
    "create_api_token",
    "create_user",
    "current_revision",
    "engine_scope",
    "hash_password",
    "import_register",
    "latest_by_platform",
    "link_actor",
    "link_actors",
    "load_registry",
    "make_engine",
    "make_sessionmaker",
    "merge_actors",
    "open_backends_for",
    "outbox_batch",
    "post_author_keys",
    "problems_for_run",
    "queue_for_index",
    "record_observation",
    "record_observations",
    "record_problem",
    "record_verdict",
    "record_verdicts",
    "session_scope",
    "set_active",
    "set_password",
    "set_role",
    "split_actor",
    "transfer_actor",
    "upgrade",
    "user_for_token",
    "utcnow",
]
