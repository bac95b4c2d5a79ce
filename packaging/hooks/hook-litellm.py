"""PyInstaller hook: litellm imports its providers lazily by name, and reads data files.

Every submodule but the proxy server's is collected (the proxy modules the
client really imports are still found by the import analysis). The data kept
are what the client reads: the local price map (``LITELLM_LOCAL_MODEL_COST_MAP``),
the tokenizer files tiktoken is pointed at, provider lists. The proxy's web
UI (~60 MB) and the Markdown notes are left out.
"""

from __future__ import annotations

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

hiddenimports = collect_submodules(
    "litellm", filter=lambda name: not name.startswith(("litellm.proxy", "litellm.setup_wizard")))
hiddenimports += ["tiktoken_ext", "tiktoken_ext.openai_public"]
datas = collect_data_files("litellm", excludes=["proxy/**", "**/*.md", "**/AGENTS.md", "**/*.pyi"])
