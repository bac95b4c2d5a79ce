"""The application's known errors: the capability errors plus the model, keyring and planner ones.

The whole tree, these included, is drawn once: in ``capabilities.errors``, with the one
error → JSON function (``error_dict``) and the one-line text of an error (``error_text``).

Every message says what happened and every hint what to do next. Constructors
have no side effects; front ends decide how to show them. No message or hint
ever carries an API key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from capabilities.errors import (
    BackendError,
    CallError,
    ErrandError,
    GrantError,
    PathRefused,
    SourceChanged,
    TargetExists,
    TargetMissing,
    UndoRefused,
)

__all__ = [
    "BackendError",
    "CallError",
    "ErrandError",
    "GrantError",
    "KeyringUnavailable",
    "ModelAuthError",
    "ModelCancelled",
    "ModelError",
    "ModelRateLimited",
    "ModelRefused",
    "ModelTimeout",
    "ModelUnreachable",
    "NoCodeInAnswer",
    "NoModelConfigured",
    "NoRecipeFits",
    "NoVisionModel",
    "Offer",
    "PathRefused",
    "ScriptRejected",
    "SourceChanged",
    "TargetExists",
    "TargetMissing",
    "UndoRefused",
]


class NoModelConfigured(ErrandError):
    """No model is set in settings; only the built-in recipes can plan."""


@dataclass(frozen=True)
class Offer:
    """A recipe offered when none does the whole request: what it would do, and how it differs."""

    name: str
    title: str
    does: str  # the recipe's description: what running it would really do
    differs: str  # how it differs from the request, in plain words ("" when it does not)

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "title": self.title, "does": self.does, "differs": self.differs}


class NoRecipeFits(NoModelConfigured):
    """Offline, no built-in recipe does the whole request; ``choices`` are the closest, to offer."""

    def __init__(self, message: str, hint: str = "", choices: Sequence[Offer] = ()) -> None:
        super().__init__(message, hint)
        self.choices = list(choices)


class KeyringUnavailable(ErrandError):
    """The OS keyring cannot store or read secrets (e.g. a headless Linux without a Secret Service)."""


class ModelError(ErrandError):
    """The model provider failed, or answered with something unusable."""


class ModelAuthError(ModelError):
    """No API key was found, or the provider refused the one given."""


class ModelRateLimited(ModelError):
    """The provider refused because of too many requests or an exhausted quota."""


class ModelTimeout(ModelError):
    """The provider did not answer in time."""


class ModelCancelled(ModelError):
    """The request was stopped (Stop, Cancel, Quit) before the provider answered."""


class ModelUnreachable(ModelError):
    """The provider could not be reached (no network, wrong API base, server down)."""


class ModelRefused(ModelError):
    """The provider refused the request's content (a content policy, a bad request)."""


class NoVisionModel(ModelError):
    """The configured model cannot look at pictures, or no vision model is set."""


class NoCodeInAnswer(ModelError):
    """The model answered without a script."""


class ScriptRejected(ModelError):
    """The model's script still failed the static check after the repair rounds."""
