"""vision.caption over real parts: JPEGs on disk, the dispatcher, the journal's cache, HTTP via litellm."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from capabilities.api.vision import MAX_SIDE, Vision
from capabilities.base import Grant, RunContext
from capabilities.dispatch import Dispatcher
from capabilities.errors import BackendError, CallError, GrantError, PathRefused
from capabilities.journal import Journal
from capabilities.registry import instantiate
from desktop.core import llm
from desktop.core.errors import ModelAuthError
from tests.fake_openai import FakeOpenAI

KEY = "sk-vision-test-987654"
ANSWER = '{"caption": "A red field under a blue sky.", "tags": ["field", "sky"]}'


def _photo(path: Path, size: tuple[int, int] = (2400, 1600)) -> bytes:
    image = Image.new("RGB", size, (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make: must not leave the machine with the picture
    image.save(path, "JPEG", exif=exif.tobytes())
    return path.read_bytes()


@pytest.fixture
def pictures(tmp_path: Path) -> Path:
    folder = tmp_path / "Trip"
    folder.mkdir()
    _photo(folder / "a.jpg")
    (folder / "copy-of-a.jpg").write_bytes((folder / "a.jpg").read_bytes())
    (folder / "notes.txt").write_text("not a picture")
    return folder


def _run(folder: Path, fake: FakeOpenAI, journal: Journal, *, vision: bool = True,
         services: dict[str, Any] | None = None) -> Dispatcher:
    settings = llm.ModelSettings(model="openai/planner", api_base=fake.url, api_key=KEY,
                                 vision_model=fake.model, timeout=10.0)
    grants = [Grant("files", target=str(folder), mode="ro", label="Trip")]
    if vision:
        grants.append(Grant("vision", target=fake.model))
    if services is None:
        services = {"caption": llm.caption_service(settings, lambda e: journal.add_exchange(**e)),
                    "caption_cache": journal}
    return Dispatcher(instantiate(grants, RunContext(services=services)))


def _caption(run: Dispatcher, path: str) -> Any:
    return run("vision.caption", {"args": [path], "kwargs": {}})


def test_the_picture_leaves_downscaled_as_a_data_uri_and_is_cached(pictures: Path, fake_openai: FakeOpenAI,
                                                                    journal: Journal) -> None:
    fake_openai.reply(ANSWER)
    run = _run(pictures, fake_openai, journal)
    expected = {"caption": "A red field under a blue sky.", "tags": ["field", "sky"]}
    assert _caption(run, "Trip/a.jpg") == expected

    sent = fake_openai.requests[0]
    assert sent.image_urls()[0].startswith("data:image/jpeg;base64,")
    [jpeg] = sent.images()
    with Image.open(io.BytesIO(jpeg)) as seen:
        assert seen.format == "JPEG"
        assert max(seen.size) == MAX_SIDE and seen.size == (768, 512)
        assert 0x010F not in seen.getexif()  # the camera's metadata stayed home
    assert len(jpeg) < (pictures / "a.jpg").stat().st_size
    assert sent.api_key == KEY

    # Same picture again (and a byte-identical copy under another name): answered from the cache.
    assert _caption(run, "Trip/a.jpg")["caption"] == "A red field under a blue sky."
    fresh_run = _run(pictures, fake_openai, journal)  # a later apply: a new run, the same journal
    assert _caption(fresh_run, "Trip/copy-of-a.jpg")["tags"] == ["field", "sky"]
    assert len(fake_openai.requests) == 1

    [exchange] = journal.exchanges(None)
    assert exchange["kind"] == "caption" and exchange["tokens_in"] == 120
    assert KEY not in str(exchange) and "base64" not in exchange["prompt"]


def test_without_the_grant_nothing_is_sent(pictures: Path, fake_openai: FakeOpenAI, journal: Journal) -> None:
    fake_openai.reply(ANSWER)
    run = _run(pictures, fake_openai, journal, vision=False)
    with pytest.raises(GrantError, match="not granted 'vision'"):
        _caption(run, "Trip/a.jpg")
    assert fake_openai.requests == []


def test_bad_paths_and_non_pictures_are_refused_before_sending(pictures: Path, fake_openai: FakeOpenAI,
                                                               journal: Journal) -> None:
    run = _run(pictures, fake_openai, journal)
    with pytest.raises(PathRefused, match="not inside a granted folder"):
        _caption(run, "Elsewhere/a.jpg")
    with pytest.raises(PathRefused):
        _caption(run, "Trip/../secret.jpg")
    with pytest.raises(CallError, match="not a picture"):
        _caption(run, "Trip/notes.txt")
    with pytest.raises(CallError, match="missing a required argument"):
        run("vision.caption", {"args": [], "kwargs": {"file": "Trip/a.jpg"}})
    assert fake_openai.requests == []


def test_a_refused_key_reaches_the_script_as_a_clear_error(pictures: Path, fake_openai: FakeOpenAI,
                                                           journal: Journal) -> None:
    fake_openai.fail(401, "Incorrect API key provided")
    run = _run(pictures, fake_openai, journal)
    with pytest.raises(ModelAuthError) as caught:
        _caption(run, "Trip/a.jpg")
    assert "Settings → API key" in caught.value.hint
    assert journal.exchanges(None)[0]["error"]  # the failed request is on record too
    assert journal.cached_caption("x", fake_openai.model) is None


def test_no_caption_service_says_to_choose_a_vision_model(pictures: Path, fake_openai: FakeOpenAI,
                                                          journal: Journal) -> None:
    run = _run(pictures, fake_openai, journal, services={})
    with pytest.raises(BackendError) as caught:
        _caption(run, "Trip/a.jpg")
    assert "Settings → Vision model" in caught.value.hint


def test_the_grant_text_names_the_provider() -> None:
    text = Vision.describe_grant(Grant("vision", target="anthropic/claude-sonnet"))
    assert "anthropic" in text and "leave this computer" in text
    assert Vision.leaves_machine is True


# ---- the grant names the real recipient and how many pictures; only real pictures go -------------

def test_the_grant_names_provider_host_and_how_many_pictures() -> None:
    from capabilities.api.vision_recipient import vision_target

    hosted = Vision.describe_grant(Grant("vision", vision_target("openai/gpt-4o-mini", None, 12)))
    assert hosted == ("Send smaller copies of up to 12 pictures from the chosen folders to OpenAI at "
                      "api.openai.com (model openai/gpt-4o-mini) to describe them. They leave this computer "
                      "and it may cost money.")
    target = vision_target("openai/llava", "http://127.0.0.1:8080/v1", 1)
    local = Vision.describe_grant(Grant("vision", target))
    assert "up to 1 picture from" in local and "OpenAI at 127.0.0.1:8080" in local


def test_the_planned_grant_counts_the_pictures_in_the_granted_folders(pictures: Path) -> None:
    from desktop.core.planning import Plan, complete_grants
    from desktop.core.settings import Settings

    (pictures / "Sub").mkdir()
    _photo(pictures / "Sub" / "b.png", (20, 20))
    os.symlink(pictures / "a.jpg", pictures / "link.jpg")  # a link is not a picture in the folder
    settings = Settings(model="openai/gpt-4o-mini", api_base="https://llm.example.org/v1")
    plan = Plan(script="result = 1", summary="Caption.", planner="model", needed={"vision"})
    grants, problems = complete_grants(plan, [Grant("files", str(pictures), label="Trip")], settings,
                                       allow_vision=True)
    assert problems == []
    text = Vision.describe_grant(grants[-1])
    assert "up to 3 pictures" in text and "at llm.example.org" in text  # a.jpg, copy-of-a.jpg, Sub/b.png


def test_no_picture_past_the_granted_count_is_sent(pictures: Path, fake_openai: FakeOpenAI,
                                                   journal: Journal) -> None:
    from capabilities.api.vision_recipient import vision_target

    _photo(pictures / "b.jpg", (300, 200))
    fake_openai.reply(ANSWER)
    settings = llm.ModelSettings(model="openai/planner", api_base=fake_openai.url, api_key=KEY,
                                 vision_model=fake_openai.model, timeout=10.0)
    grants = [Grant("files", target=str(pictures), mode="ro", label="Trip"),
              Grant("vision", target=vision_target(fake_openai.model, fake_openai.url, 1))]
    run = Dispatcher(instantiate(grants, RunContext(services={"caption": llm.caption_service(settings)})))
    assert _caption(run, "Trip/a.jpg")["caption"].startswith("A red field")
    with pytest.raises(GrantError, match="may send 1 picture to describe"):
        _caption(run, "Trip/b.jpg")
    assert len(fake_openai.requests) == 1


def test_a_picture_the_script_wrote_is_never_sent(pictures: Path, fake_openai: FakeOpenAI,
                                                  journal: Journal) -> None:
    grants = [Grant("files", target=str(pictures), mode="rw", label="Trip"),
              Grant("vision", target=fake_openai.model)]
    run = Dispatcher(instantiate(grants, RunContext(services={"caption": lambda jpeg: {"caption": "x"}})))
    run("files.write_text", {"args": ["Trip/letter.jpg", "P3 2 1 255 255 0 0 0 255 0"], "kwargs": {}})
    with pytest.raises(CallError, match="written by this chore"):
        _caption(run, "Trip/letter.jpg")
    assert fake_openai.requests == []


def test_what_is_sent_is_a_new_jpeg_made_by_the_worker_not_the_file(pictures: Path, fake_openai: FakeOpenAI,
                                                                     journal: Journal) -> None:
    small = pictures / "small.jpg"
    _photo(small, (200, 100))  # already smaller than MAX_SIDE: still decoded and encoded again
    fake_openai.reply(ANSWER)
    _caption(_run(pictures, fake_openai, journal), "Trip/small.jpg")
    [jpeg] = fake_openai.requests[0].images()
    assert jpeg != small.read_bytes() and b"TestCam" not in jpeg
    with Image.open(io.BytesIO(jpeg)) as seen:
        assert seen.size == (200, 100) and not seen.getexif()


def test_a_service_that_would_send_elsewhere_than_the_grant_says_is_refused(pictures: Path) -> None:
    sent: list[bytes] = []

    class Caption:
        recipient = ("openai/gpt-4o", "api.openai.com")  # Settings changed since the grant was given

        def __call__(self, jpeg: bytes) -> dict[str, Any]:
            sent.append(jpeg)
            return {"caption": "x"}

    grants = [Grant("files", target=str(pictures), mode="ro", label="Trip"),
              Grant("vision", target="openai/llava;host=127.0.0.1:8080;pictures=5")]
    run = Dispatcher(instantiate(grants, RunContext(services={"caption": Caption()})))
    with pytest.raises(GrantError, match="changed since this chore was allowed"):
        _caption(run, "Trip/a.jpg")
    assert sent == []
    Caption.recipient = ("openai/llava", "127.0.0.1:8080")
    assert _caption(run, "Trip/a.jpg") == {"caption": "x", "tags": []} and len(sent) == 1


def test_the_planned_grant_and_the_settings_service_agree_until_settings_change(
        pictures: Path, fake_openai: FakeOpenAI) -> None:
    from desktop.core.planning import Plan, complete_grants
    from desktop.core.settings import Settings

    fake_openai.reply(ANSWER)
    settings = Settings(model="openai/planner", api_base=fake_openai.url, vision_model=fake_openai.model)
    plan = Plan(script="result = 1", summary="Caption.", planner="model", needed={"vision"})
    grants, _ = complete_grants(plan, [Grant("files", str(pictures), "ro", label="Trip")], settings,
                                allow_vision=True)
    same = llm.ModelSettings(model="openai/planner", api_base=fake_openai.url, api_key=KEY,
                             vision_model=fake_openai.model, timeout=10.0)
    moved = llm.ModelSettings(model="openai/planner", api_base="https://elsewhere.example/v1", api_key=KEY,
                              vision_model=fake_openai.model, timeout=10.0)
    agreed = Dispatcher(instantiate(grants, RunContext(services={"caption": llm.caption_service(same)})))
    assert _caption(agreed, "Trip/a.jpg")["tags"] == ["field", "sky"]
    changed = Dispatcher(instantiate(grants, RunContext(services={"caption": llm.caption_service(moved)})))
    with pytest.raises(GrantError, match=r"elsewhere\.example"):
        _caption(changed, "Trip/copy-of-a.jpg")
    assert len(fake_openai.requests) == 1
