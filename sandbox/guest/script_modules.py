"""The standard modules an Errand script may import: declared once, read by both sides.

Inside the component the guest imports each of them while it is built (only modules imported
then exist at run time) and lets scripts import exactly these. On the host, the static script
check and the planner's prompt read the same names (``sandbox.script_modules``).

``INTERNAL`` are private helpers the allowed modules import lazily on first use
(``datetime.strptime`` imports ``_strptime``): scripts never name them, but the guarded import
must let the standard library reach them, or the public function fails.
"""

ALLOWED = frozenset({
    "base64", "bisect", "calendar", "collections", "copy", "csv", "dataclasses", "datetime",
    "decimal", "difflib", "enum", "fnmatch", "fractions", "functools", "hashlib", "heapq", "html",
    "io", "itertools", "json", "math", "operator", "pathlib", "random", "re", "statistics",
    "string", "textwrap", "time", "typing", "unicodedata",
})

INTERNAL = frozenset({"_strptime"})
