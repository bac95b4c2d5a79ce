"""PyInstaller's PySide6 runtime hook, with QtCore loaded only when the app loads it (Linux).

PyInstaller's own hook (``pyi_rth_pyside6``) imports ``PySide6.QtCore`` at
every start to write an embedded ``qt.conf``: ~0.1 s of Qt and ICU loading
before ``errand --version`` or ``errand ask`` even begin, though only the
window needs Qt. On Linux this hook does the same set-up but writes the
``qt.conf`` right after the app itself imports QtCore. On Windows and macOS
(app bundles relocate Qt differently) it behaves exactly like the original.
Listed in ``rthooks.dat`` next to it, which PyInstaller reads before its own.
"""


def _pyi_rthook():
    import os
    import sys

    from _pyi_rth_utils import is_macos_app_bundle, prepend_path_to_environment_variable
    from _pyi_rth_utils import qt as qt_rth_utils

    qt_rth_utils.ensure_single_qt_bindings_package("PySide6")
    if sys.platform.startswith("win"):
        pyqt_path = os.path.join(sys._MEIPASS, "PySide6")
    else:
        pyqt_path = os.path.join(sys._MEIPASS, "PySide6", "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(pyqt_path, "plugins")
    if is_macos_app_bundle:
        pyqt_path_res = os.path.normpath(
            os.path.join(sys._MEIPASS, "..", "Resources", os.path.relpath(pyqt_path, sys._MEIPASS)))
        os.environ["QML2_IMPORT_PATH"] = os.pathsep.join(
            [os.path.join(pyqt_path_res, "qml"), os.path.join(pyqt_path, "qml")])
    else:
        os.environ["QML2_IMPORT_PATH"] = os.path.join(pyqt_path, "qml")
    if sys.platform.startswith("win"):
        prepend_path_to_environment_variable(sys._MEIPASS, "PATH")
    if sys.platform == "darwin" and not is_macos_app_bundle:
        prepend_path_to_environment_variable(sys._MEIPASS, "DYLD_LIBRARY_PATH")

    if not sys.platform.startswith("linux"):
        qt_rth_utils.create_embedded_qt_conf("PySide6", pyqt_path)
        return

    class _AfterQtCore:
        """A finder that steps aside for PySide6.QtCore and writes qt.conf once it has loaded."""

        def find_spec(self, name, path=None, target=None):
            if name != "PySide6.QtCore":
                return None
            sys.meta_path.remove(self)
            from importlib.util import find_spec

            spec = find_spec(name)
            if spec is not None and spec.loader is not None:
                load = spec.loader.exec_module

                def exec_module(module):
                    load(module)
                    qt_rth_utils.create_embedded_qt_conf("PySide6", pyqt_path)

                spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, _AfterQtCore())


_pyi_rthook()
del _pyi_rthook
