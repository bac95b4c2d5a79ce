"""vision.caption called by a script in the real sandbox: sent during the preview only with the grant,
never again at apply (the plan carries the result)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from capabilities.base import Grant
from desktop.core import llm
from desktop.core.assistant import Assistant
from tests.fake_openai import FakeOpenAI

SCRIPT = """
rows = []
for path in files.list("Trip", "*.jpg"):
    described = vision.caption(path)
    rows.append(path + ": " + described["caption"])
files.write_text("Trip/captions.txt", "\\n".join(rows) + "\\n")
print(f"described {len(rows)}")
"""


def test_captions_in_the_sandbox_cost_one_request_each(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    trip = tmp_path / "Trip"
    trip.mkdir()
    Image.new("RGB", (1600, 1200), (20, 120, 40)).save(trip / "a.jpg", "JPEG")
    Image.new("RGB", (900, 1800), (20, 20, 160)).save(trip / "b.jpg", "JPEG")
    fake_openai.reply('{"caption": "A green meadow.", "tags": ["green"]}')
    fake_openai.reply('{"caption": "A blue wall.", "tags": ["blue"]}')
    settings = llm.ModelSettings(model=fake_openai.model, api_base=fake_openai.url, api_key="sk-sandbox-1",
                                 vision_model=fake_openai.model, timeout=10.0)
    assistant = Assistant(services={"caption": llm.caption_service(settings)})
    assistant.services["caption_cache"] = assistant.journal
    folder = Grant("files", target=str(trip), mode="rw", label="Trip")

    refused = assistant.preview(SCRIPT, [folder])  # no vision grant: not even the object exists
    assert refused.outcome.error is not None and refused.outcome.error.type == "NameError"
    assert "'vision' is not defined" in refused.outcome.error.message
    assert fake_openai.requests == []

    preview = assistant.preview(SCRIPT, [folder, Grant("vision", target=fake_openai.model)])
    assert preview.ok, preview.outcome.error
    assert preview.outcome.log == ["described 2"]
    assert len(fake_openai.requests) == 2
    assert not (trip / "captions.txt").exists()  # a preview changes nothing

    assistant.apply(preview, approve=lambda p: True)
    assert (trip / "captions.txt").read_text() == "Trip/a.jpg: A green meadow.\nTrip/b.jpg: A blue wall.\n"
    assert len(fake_openai.requests) == 2  # apply did not ask again

    again = assistant.preview(SCRIPT.replace("captions.txt", "again.txt"),
                              [folder, Grant("vision", target=fake_openai.model)])
    assert again.ok and len(fake_openai.requests) == 2  # the journal's cache answered
    assistant.journal.close()
