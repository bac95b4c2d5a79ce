"""The installed app's entry point: the ``errand`` command (with no command, the window)."""

from desktop.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
