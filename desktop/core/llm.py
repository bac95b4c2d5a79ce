"""The one door to model providers: every litellm call goes through here, and only here.

``complete`` sends a chat and returns the text with its tokens, cost and
latency; ``caption_image`` asks a vision model about one picture;
``caption_service`` builds the callable the ``vision`` capability receives
(capabilities may not import a provider). litellm's exceptions become the
``ModelError`` family of ``desktop.core.errors`` with words a person can act on.

litellm is imported lazily, and only after ``LITELLM_LOCAL_MODEL_COST_MAP``
is set (it would otherwise fetch a price list from the internet). Importing
it takes seconds, and litellm offers no lighter entry (its ``__init__``
imports its router, its utils and openai's types whatever one asks for), so
``warm()`` starts that import on a daemon thread — with the modules the first
request would import lazily (openai's resources, httpcore) — while the caller
scans folders and builds the prompt; the app calls it at launch. ``errand
run`` never reaches this module. Requests go through ``desktop.core.model_calls``:
``cancel`` (or ``abandon_requests`` on Quit) abandons a pending one at once
and closes its connection. Keys arrive as arguments (looked up in the keyring by
the caller); with none, litellm reads the provider's usual environment
variable (e.g. ``OPENAI_API_KEY``). Keys never appear in messages.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal, TypedDict

from capabilities.api.vision_recipient import recipient, vision_target
from capabilities.errors import error_text
from capabilities.redaction import redact
from desktop.core import model_calls
from desktop.core.errors import (
    ErrandError,
    ModelAuthError,
    ModelError,
    ModelRateLimited,
    ModelRefused,
    ModelTimeout,
    ModelUnreachable,
    NoModelConfigured,
    NoVisionModel,
)

__all__ = ["Completion", "ModelSettings", "abandon_requests", "caption_image", "caption_service", "complete",
           "count_tokens", "provider_of", "warm"]

WARM_THREAD = "errand-litellm-warm"  # loads litellm ahead of need; ends when it is loaded

SETTINGS_HINT = "Check it in Settings → Model (or `errand settings`)."


@dataclass(frozen=True)
class ModelSettings:
    """What the planner and the vision service need to reach a model (the key already looked up)."""

    model: str = ""
    api_base: str | None = None
    api_key: str | None = None
    vision_model: str = ""
    timeout: float = 60.0

    def __repr__(self) -> str:  # never show the key, even in a traceback or a log line
        shown = "set" if self.api_key else "none"
        return (f"ModelSettings(model={self.model!r}, api_base={self.api_base!r}, api_key=<{shown}>, "
                f"vision_model={self.vision_model!r}, timeout={self.timeout})")


@dataclass(frozen=True)
class Completion:
    """One answer: its text, token counts, cost in USD (None when the price is unknown), latency."""

    text: str
    tokens_in: int
    tokens_out: int
    cost: float | None
    latency_ms: float
    model: str = ""


def provider_of(model: str) -> str:
    """The provider part of a litellm model name: ``openai`` for ``openai/gpt-4o``."""
    if "/" in model:
        return model.split("/", 1)[0]
    try:
        return str(_litellm().get_llm_provider(model)[1])
    except Exception:
        return "the provider"


class Message(TypedDict):
    """One chat message as litellm takes it: text, or (for a picture) a list of content parts."""

    role: Literal["system", "user", "assistant"]
    content: str | list[dict[str, object]]


def complete(messages: Sequence[Message], *, model: str, api_base: str | None = None,
             api_key: str | None = None, timeout: float = 60.0,
             cancel: model_calls.Cancel | None = None) -> Completion:
    """Send a chat to ``model``; raise a ``ModelError`` subclass (never a litellm one) on failure.

    Setting ``cancel`` abandons the request at once (``ModelCancelled``) and closes its connection.
    """
    if not model:
        raise NoModelConfigured("No model is configured, so only the built-in recipes can plan.",
                                "Choose a model in Settings → Model (or `errand settings`).")
    litellm = _litellm()
    _check_key_present(litellm, model, api_base, api_key)
    started = time.perf_counter()
    try:
        response = model_calls.wait_for(
            litellm.acompletion(model=model, messages=list(messages), api_base=api_base, api_key=api_key,
                                timeout=timeout, max_retries=0), cancel)
    except Exception as exc:  # litellm raises many kinds; each becomes a known error
        raise _translate(exc, model, api_base, api_key) from None
    latency_ms = (time.perf_counter() - started) * 1000.0
    return Completion(_text_of(response, model), *_usage(response), _cost(litellm, response),
                      latency_ms, model)


def caption_image(jpeg_bytes: bytes, *, model: str, api_base: str | None = None,
                  api_key: str | None = None, timeout: float = 60.0) -> dict[str, Any]:
    """Ask a vision model for ``{"caption": str, "tags": [str, ...]}`` about one JPEG."""
    return _caption(jpeg_bytes, model=model, api_base=api_base, api_key=api_key, timeout=timeout)[0]


def _caption(jpeg_bytes: bytes, *, model: str, api_base: str | None, api_key: str | None,
             timeout: float) -> tuple[dict[str, Any], Completion]:
    if not model:
        raise NoVisionModel("No vision model is configured, so pictures cannot be captioned.",
                            "Choose a model that can see pictures in Settings → Vision model.")
    _refuse_known_blind_model(model)
    uri = "data:image/jpeg;base64," + base64.b64encode(jpeg_bytes).decode("ascii")
    messages: list[Message] = [{"role": "user", "content": [
        {"type": "text", "text": _prompt("caption.md")},
        {"type": "image_url", "image_url": {"url": uri}},
    ]}]
    try:
        answer = complete(messages, model=model, api_base=api_base, api_key=api_key, timeout=timeout)
    except ModelRefused as exc:
        if _about_images(exc.message):
            raise NoVisionModel(f"The model {model} cannot look at pictures ({exc.message}).",
                                "Choose a model with vision in Settings → Vision model.") from None
        raise
    return parse_caption(answer.text), answer


def caption_service(settings: ModelSettings, record_exchange: Callable[[dict[str, Any]], Any] | None = None
                    ) -> Callable[[bytes], dict[str, Any]]:
    """The ``context.services["caption"]`` callable for the vision capability, bound to settings.

    Each request (not the picture itself: its size) is handed to ``record_exchange``
    with ``Journal.add_exchange``'s argument names.
    """
    model = settings.vision_model or settings.model

    def caption(jpeg_bytes: bytes) -> dict[str, Any]:
        exchange: dict[str, Any] = {"kind": "caption", "model": model,
                                    "prompt": f"{_prompt('caption.md')}\n[a JPEG of {len(jpeg_bytes)} bytes]"}
        try:
            result, answer = _caption(jpeg_bytes, model=model, api_base=settings.api_base,
                                      api_key=settings.api_key, timeout=settings.timeout)
        except ErrandError as exc:
            if record_exchange is not None:
                record_exchange({**exchange, "error": error_text(exc)})
            raise
        if record_exchange is not None:
            record_exchange({**exchange, "answer": answer.text, "tokens_in": answer.tokens_in,
                             "tokens_out": answer.tokens_out, "cost": answer.cost or 0.0,
                             "latency_ms": round(answer.latency_ms)})
        return result

    # Where the pictures go, so the vision capability can check it is what the person allowed.
    who = recipient(vision_target(model, settings.api_base, 0))
    caption.recipient = (who.model, who.host)  # type: ignore[attr-defined]
    return caption


def parse_caption(text: str) -> dict[str, Any]:
    """The caption and tags from an answer (fences and prose around the JSON are fine), cleaned to
    short plain text; ModelError when the answer holds no such JSON — never the answer itself
    stored as a caption, where it would be reused for that picture for good."""
    match = re.search(r"\{.*\}", text, re.DOTALL)
    data = None
    if match:
        try:
            data = json.loads(match.group(0))
        except ValueError:
            data = None
    if not isinstance(data, dict) or not isinstance(data.get("caption"), str) or not _plain(data["caption"]):
        said = " ".join(text.split())[:120]
        raise ModelError("The vision model did not answer with a caption and tags as asked"
                         + (f" (it said: “{said}”)." if said else " (its answer was empty)."),
                         "Nothing was kept. Try again, or choose a vision model that follows instructions "
                         "in Settings → Vision model.")
    tags = data.get("tags")
    tags = tags if isinstance(tags, list) else []
    cleaned = [_plain(str(t))[:40] for t in tags]
    return {"caption": _plain(data["caption"])[:300], "tags": [t for t in cleaned if t][:10]}


def _plain(text: str) -> str:
    """One line of printable text: a caption may reach file names, spreadsheets and the screen."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def abandon_requests() -> int:
    """Abandon every pending model request (on Quit): its caller gets ``ModelCancelled`` now."""
    return model_calls.abandon_all()


# ---- litellm, loaded once and ahead of need ------------------------------------------------------

# What litellm's first request imports lazily for an OpenAI-compatible provider (~0.4 s on its own).
_FIRST_REQUEST_MODULES = ("openai.resources", "httpcore", "litellm.llms.openai.openai",
                          "litellm.proxy.openai_files_endpoints.common_utils")
_LOAD_LOCK = threading.Lock()
_WARM_LOCK = threading.Lock()
_loaded: Any = None
_warming: threading.Thread | None = None


def warm() -> None:
    """Start importing litellm on a daemon thread (once); the first request then waits only for the rest."""
    global _warming
    with _WARM_LOCK:
        if _loaded is not None or _warming is not None:
            return
        _warming = threading.Thread(target=_warm_quietly, name=WARM_THREAD, daemon=True)
        _warming.start()


def _warm_quietly() -> None:
    try:
        _litellm()
    except Exception:
        return  # the request itself will load it again and say what is wrong


def _litellm() -> Any:
    global _loaded
    with _LOAD_LOCK:  # a second caller waits for the import under way instead of racing it
        if _loaded is None:
            _loaded = _load()
        return _loaded


def _load() -> Any:
    import importlib

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm
    import litellm.utils

    litellm.suppress_debug_info = True  # no "Give Feedback" banners on the person's terminal
    litellm.telemetry = False
    # litellm hands its logging callbacks to a process-wide thread pool whose worker never
    # ends; we register no callbacks, so run them inline and leave no stray thread behind.
    if not isinstance(getattr(litellm.utils, "executor", None), model_calls.InlineExecutor):
        litellm.utils.executor = model_calls.InlineExecutor()
    for name in _FIRST_REQUEST_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue  # an optional part; the request imports what it needs
    return litellm


# ---- litellm's exceptions ------------------------------------------------------------------------


def _prompt(name: str) -> str:
    return resources.files("resources").joinpath("prompts", name).read_text(encoding="utf-8")


def _check_key_present(litellm: Any, model: str, api_base: str | None, api_key: str | None) -> None:
    if api_key:
        return
    try:
        missing = litellm.validate_environment(model=model, api_base=api_base).get("missing_keys") or []
    except Exception:
        return  # unknown to litellm: let the call itself say what is wrong
    keys = [k for k in missing if k.endswith("_KEY")]
    if keys:
        raise ModelAuthError(
            f"No API key for {provider_of(model)} was found.",
            f"Paste one in Settings → API key and press Save key (it is kept in the OS keyring), "
            f"or set {keys[0]} in the environment.",
        )


def _translate(exc: Exception, model: str, api_base: str | None, api_key: str | None) -> ErrandError:
    """Map a litellm/openai exception to a known error; the key is scrubbed from every word."""
    if isinstance(exc, ErrandError):
        return exc
    kind = type(exc).__name__
    detail = redact(_detail(exc), (api_key,))
    provider = provider_of(model)
    where = f" at {api_base}" if api_base else ""
    if kind in ("AuthenticationError", "PermissionDeniedError") or "Missing credentials" in detail:
        return ModelAuthError(f"The model provider ({provider}) refused the API key.",
                              "Check it in Settings → API key (press Save key after pasting it), or set "
                              "the provider's key "
                              "environment variable.")
    if kind == "RateLimitError":
        return ModelRateLimited(f"The model provider ({provider}) is limiting requests: {detail}",
                                "Wait a minute and try again, or check the account's quota and billing.")
    if kind in ("Timeout", "APITimeoutError"):
        return ModelTimeout(f"The model {model} did not answer in time.",
                            "Try again; if it keeps happening, raise the timeout or choose a faster model.")
    if kind == "APIConnectionError" or "Connection error" in detail:
        return ModelUnreachable(f"Could not reach the model provider ({provider}){where}.",
                                "Check the network connection and the Server address in Settings.")
    if kind == "NotFoundError":
        return ModelError(f"The model provider ({provider}){where} answered 'not found' for the model "
                          f"{model}: {detail}",
                          f"Check the model name and the Server address. {SETTINGS_HINT}")
    if kind in ("ContentPolicyViolationError", "BadRequestError", "UnprocessableEntityError"):
        return ModelRefused(f"The model provider ({provider}) refused the request: {detail}",
                            "Rephrase the chore; if it keeps happening, choose another model.")
    if "Empty or invalid response" in detail:
        return ModelError(f"The model provider ({provider}) sent an answer that is not a chat completion.",
                          f"Check the Server address (it should end in /v1 for OpenAI-compatible servers). "
                          f"{SETTINGS_HINT}")
    return ModelError(f"The model provider ({provider}) failed: {detail}",
                      f"Try again later. {SETTINGS_HINT}")


def _detail(exc: Exception) -> str:
    text = getattr(exc, "message", None) or str(exc)
    # litellm prefixes "litellm.RateLimitError: ...OpenAIException - "; keep the provider's words.
    text = str(text).split(" - ", 1)[-1] if "Exception - " in str(text) else str(text)
    return " ".join(text.split())[:300]


def _about_images(text: str) -> bool:
    return bool(re.search(r"image|vision|multimodal|content type", text, re.IGNORECASE))


def _refuse_known_blind_model(model: str) -> None:
    # Only models litellm knows and marks as blind are refused up front; unknown ones are tried.
    info = _litellm().model_cost.get(model) or _litellm().model_cost.get(model.split("/", 1)[-1])
    if isinstance(info, dict) and info.get("mode") == "chat" and not info.get("supports_vision"):
        raise NoVisionModel(f"The model {model} cannot look at pictures.",
                            "Choose a model with vision in Settings → Vision model.")


def _text_of(response: Any, model: str) -> str:
    try:
        content = response.choices[0].message.content
    except (AttributeError, IndexError) as exc:
        raise ModelError(f"The model {model} sent an answer without a message.",
                         "Try again, or choose another model.") from exc
    return content or ""


def _usage(response: Any) -> tuple[int, int]:
    usage = getattr(response, "usage", None)
    return int(getattr(usage, "prompt_tokens", 0) or 0), int(getattr(usage, "completion_tokens", 0) or 0)


def _cost(litellm: Any, response: Any) -> float | None:
    try:
        return float(litellm.completion_cost(completion_response=response))
    except Exception:
        return None  # a local or unlisted model: the price is unknown, not zero


def price_of(model: str, tokens_in: int, tokens_out: int) -> float | None:
    """What ``tokens_in`` prompt and ``tokens_out`` answer tokens cost with ``model`` in US dollars,
    from litellm's shipped price list; None for a local or unlisted model (unknown, not free)."""
    try:
        cost_in, cost_out = _litellm().cost_per_token(model=model, prompt_tokens=tokens_in,
                                                       completion_tokens=tokens_out)
    except Exception:
        return None
    return float(cost_in) + float(cost_out)


def count_tokens(text: str, model: str = "gpt-4o") -> int:
    """Tokens in ``text`` as ``model``'s tokenizer counts them (litellm ships the tables: offline)."""
    return int(_litellm().token_counter(model=model, text=text))
