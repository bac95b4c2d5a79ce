"""What capabilities may not build themselves, built lazily from settings, keyring and journal.

Capabilities import no model provider and no keyring (layer contracts); the
desktop hands them these through ``RunContext.services``. Everything here is
resolved on first use, so a run that captions nothing never imports litellm
and one without a calendar never opens the keyring.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from desktop.core import settings as settings_store

if TYPE_CHECKING:  # litellm's door loads only when a model is used
    from desktop.core.llm import ModelSettings

__all__ = ["calendar_key_name", "default_services", "model_settings"]


def calendar_key_name(source: str) -> str:
    """The keyring entry holding the password of a CalDAV source."""
    return f"calendar:{source}"


def model_settings(settings: settings_store.Settings | None = None) -> ModelSettings:
    """``llm.ModelSettings`` with the key looked up: the keyring first, then the provider's env var."""
    from desktop.core import keys
    from desktop.core.llm import ModelSettings

    chosen = settings or settings_store.load()
    key = keys.get_key(keys.service_for_model(chosen.model)) if chosen.model else None
    return ModelSettings(model=chosen.model, api_base=chosen.api_base or None, api_key=key,
                         vision_model=chosen.effective_vision_model)


def default_services(journal_getter: Callable[[], Any] | None = None) -> dict[str, Any]:
    """The services dict for ``RunContext``; ``journal_getter`` gives the caption cache."""
    services: dict[str, Any] = {
        "caption": _LazyCaption(),
        "calendar_password": _calendar_password,
    }
    if journal_getter is not None:
        services["caption_cache"] = _LazyCache(journal_getter)
    return services


def _calendar_password(source: str) -> str | None:
    from desktop.core import keys

    return keys.get_key(calendar_key_name(source))


class _LazyCaption:
    """The vision capability's ``caption`` callable, bound to the settings on first use."""

    def __init__(self) -> None:
        self._service: Callable[[bytes], dict[str, Any]] | None = None
        self._bound_to: tuple[str, str, str] | None = None

    def __call__(self, jpeg_bytes: bytes) -> dict[str, Any]:
        return self._bound()(jpeg_bytes)

    @property
    def recipient(self) -> tuple[str, str] | None:
        """(model, host) the pictures would go to: vision refuses one that is not the grant's."""
        return getattr(self._bound(), "recipient", None)

    def _bound(self) -> Callable[[bytes], dict[str, Any]]:
        # Bound again when the model settings changed since: a model or server address fixed in
        # Settings is used by the next chore, with no restart (the key is looked up only then).
        chosen = settings_store.load()
        wanted = (chosen.model, chosen.api_base, chosen.effective_vision_model)
        if self._service is None or self._bound_to != wanted:
            from desktop.core.llm import caption_service

            self._service = caption_service(model_settings(chosen))
            self._bound_to = wanted
        return self._service


class _LazyCache:
    def __init__(self, journal_getter: Callable[[], Any]) -> None:
        self._journal = journal_getter

    def cached_caption(self, image_hash: str, model: str) -> dict[str, Any] | None:
        return self._journal().cached_caption(image_hash, model)

    def store_caption(self, image_hash: str, model: str, caption: dict[str, Any]) -> None:
        self._journal().store_caption(image_hash, model, caption)
