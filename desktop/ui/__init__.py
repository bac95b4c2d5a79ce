"""The Qt window (PySide6): the only package that imports Qt, a thin face over the Qt-free core.

``app.main`` opens it (``errand app``, or bare ``errand``); ``window.MainWindow``
holds the pages: a chore's flow (``flow``: Ask → Plan → Preview → Run),
History, Automations (``automations_view.create_page``, the hook the
automations work fills in) and Settings. Every core call runs on a worker
thread (``worker.run_task``); nothing here is out of reach of the CLI.
Importing this package imports no Qt: the modules do, when imported.
"""
