"""Who may do what: one table of subject x action x state -> the least role allowed.

The service functions (``api.reviewing.apply_review``, ``takedown.workflow.transition``,
the campaign routes) ask :func:`require` before they change anything, so a
route that forgets a role check still cannot let a reviewer decide what only a
supervisor may.  Admins hold every role.  ``tests/store/test_permissions.py``
tries every row of the table as every role.

States are the subject's status; a listing whose latest decision was made by a
supervisor or admin is in the pseudo-state ``supervisor_decided``, so that a
reviewer cannot undo it by reopening it.  ``*`` matches any state.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.models import Role

RANK: dict[Role, int] = {Role.reviewer: 1, Role.supervisor: 2, Role.admin: 3}
ANY = "*"
SUPERVISOR_DECIDED = "supervisor_decided"


class NotPermitted(PermissionError):
    """The user's role may not take this action; the message says who may."""


@dataclass(frozen=True)
class Rule:
    subject: str
    action: str
    state: str
    least: Role
    why: str = ""


_R, _S = Role.reviewer, Role.supervisor

RULES: tuple[Rule, ...] = (
    # listings: review decisions
    *(Rule("listing", a, s, _R) for a in ("confirm", "dismiss") for s in ("new", "flagged")),
    *(
        Rule("listing", a, "escalated", _S, "an escalated listing is decided by a supervisor")
        for a in ("confirm", "dismiss")
    ),
    *(Rule("listing", "escalate", s, _R) for s in ("new", "flagged", "escalated")),
    *(Rule("listing", "reopen", s, _R) for s in ("confirmed", "dismissed")),
    Rule("listing", "reopen", "escalated", _S, "an escalated listing is reopened by a supervisor"),
    Rule(
        "listing",
        "reopen",
        SUPERVISOR_DECIDED,
        _S,
        "a supervisor's decision is reopened by a supervisor",
    ),
    Rule("listing", "assign", ANY, _R),
    Rule("listing", "note", ANY, _R),
    # takedown notices: the action is the status the notice moves to
    Rule("notice", "create", ANY, _R),
    Rule("notice", "approved", "draft", _S, "approving a notice needs a supervisor"),
    Rule("notice", "draft", "approved", _S, "withdrawing an approval needs a supervisor"),
    Rule(
        "notice", "sent", "approved", _S, "sending a notice in the office's name needs a supervisor"
    ),
    *(
        Rule("notice", a, ANY, _R)  # recording the platform's answer
        for a in ("acknowledged", "removed", "partly_removed", "refused")
    ),
    Rule("notice", "preview_draft", ANY, _S),
    # campaigns
    Rule("campaign", "read", ANY, _R),
    *(
        Rule("campaign", a, ANY, _S, "campaigns are managed by a supervisor")
        for a in ("create", "update", "delete", "pause", "resume", "run", "cancel")
    ),
)

_TABLE: dict[tuple[str, str, str], Rule] = {(r.subject, r.action, r.state): r for r in RULES}


def rule_for(subject: str, action: str, state: str = ANY) -> Rule | None:
    """The rule for this action in this state (a state-specific row first, then ``*``)."""
    return _TABLE.get((subject, action, state)) or _TABLE.get((subject, action, ANY))


def allowed(role: Role, subject: str, action: str, state: str = ANY) -> bool:
    """Whether ``role`` may take ``action`` on a ``subject`` in ``state`` (False when no rule)."""
    rule = rule_for(subject, action, state)
    return rule is not None and RANK[Role(role)] >= RANK[rule.least]


def require(role: Role, who: str, subject: str, action: str, state: str = ANY) -> None:
    """Raise :class:`NotPermitted` unless ``role`` may take the action."""
    if allowed(role, subject, action, state):
        return
    rule = rule_for(subject, action, state)
    if rule is None:
        raise NotPermitted(f"nobody may {action} a {subject} that is {state}")
    roles = " or ".join(str(r) for r in RANK if RANK[r] >= RANK[rule.least])
    reason = f"{rule.why}: " if rule.why else ""
    raise NotPermitted(
        f"{reason}{action} on a {subject} ({state}) needs a {roles}; {who!r} is {role}"
    )
