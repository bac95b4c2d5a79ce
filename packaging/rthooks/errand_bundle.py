"""PyInstaller runtime hook: runs before Errand's code in the installed app.

Points ``sandbox.build`` at the component compiled at packaging time (so the
installed app never builds one and its first run is as fast as any), and
keeps litellm on its bundled price map instead of fetching one.
"""

import os
import sys
from pathlib import Path

_bundle = Path(getattr(sys, "_MEIPASS", Path(sys.executable).resolve().parent))
os.environ["ERRAND_BUNDLED_COMPONENT"] = str(_bundle / "errand_sandbox" / "guest.cwasm")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
