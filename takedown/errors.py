"""The takedown package's exceptions: one base class, each with a message that says what and where."""

from __future__ import annotations


class TakedownError(Exception):
    """Base class of every error the takedown package raises on purpose."""


class PlatformConfigError(TakedownError):
    """``platforms.yaml`` (or a template it names) is missing or invalid; the message names file and field."""


class InvalidTransition(TakedownError):
    """A notice was asked to move to a status its current status does not lead to."""

    def __init__(self, reference: str, current: str, target: str, allowed: list[str]) -> None:
        self.reference, self.current, self.target, self.allowed = (
            reference,
            current,
            target,
            allowed,
        )
        options = ", ".join(allowed) if allowed else "nothing (final)"
        super().__init__(
            f"notice {reference} is {current}; it cannot become {target} (from {current}: {options})"
        )


class PermissionDenied(TakedownError):
    """The acting user's role may not perform the action (e.g. a reviewer approving)."""


class NoticeNotFound(TakedownError):
    """No notice with the given reference or id."""


class UnknownUser(TakedownError):
    """No active user with the given username."""


class ExportError(TakedownError):
    """An export format is unknown or its rendering failed."""
