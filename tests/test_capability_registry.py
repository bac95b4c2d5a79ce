"""The registry: every capability lives in the module of its name, so it can be found by name
without importing the others (``Capabilities``, what the CLI's static check uses)."""

from __future__ import annotations

import subprocess
import sys

from capabilities.registry import API, all_capabilities, capability_names, get


def test_every_shipped_capability_lives_in_the_module_of_its_name() -> None:
    names = capability_names()
    assert {"files", "photos", "places", "calendar", "vision"} <= set(names)
    for name in names:
        assert get(name).__module__ == f"{API}.{name}"
    shipped = {name for name, cls in all_capabilities().items() if cls.__module__.startswith(f"{API}.")}
    assert shipped == set(names)  # no module registers a second capability, or one of another name


def test_capabilities_answers_as_all_capabilities_importing_only_what_is_looked_up() -> None:
    probe = f"""
import sys
from capabilities.registry import API, Capabilities, all_capabilities
caps = Capabilities()
loaded = lambda: sorted(m for m in sys.modules if m.startswith(API + "."))
assert "files" in caps and "nope" not in caps and caps.get("nope") is None and 3 not in caps
names = list(caps)
assert loaded() == [], loaded()
assert caps["places"].__name__ == "Places" and "{API}.calendar" not in sys.modules, loaded()
try:
    caps["Files"]
except KeyError:
    pass
else:
    raise AssertionError("a name that is not a capability's was found")
every = {{n: c for n, c in all_capabilities().items() if c.__module__.startswith(API + ".")}}
assert dict(caps.items()) == every and names == sorted(every) and len(caps) == len(every)
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr
