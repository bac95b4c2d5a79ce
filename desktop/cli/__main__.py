"""``python -m desktop.cli``: the ``errand`` command."""

from desktop.cli.main import main

raise SystemExit(main())
