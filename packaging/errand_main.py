"""The installed app's entry point: the ``errand`` command (with no command, the window).

The same executable is also Errand's decoder worker (``capabilities.decoding``):
a frozen app has no ``python -c``, so the pool starts it with
``--errand-decoder-worker``, checked before anything else is imported.
"""

import sys

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--errand-decoder-worker":
        from capabilities.decoding import worker

        worker.main(sys.argv[2:])
        raise SystemExit(0)
    from desktop.cli.main import main

    raise SystemExit(main())
