"""The ``errand`` command (``main``) and its subcommands, shown with rich (``console``) or as
``--json`` (``jsonout``).
"""
