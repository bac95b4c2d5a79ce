"""The look: the system's own light or dark palette, with a few accents and generous spacing.

Colours come from the running palette (``palette(...)`` in the style sheet),
so Errand follows the system's light/dark choice; ``apply_theme`` is
re-applied when the system switches (``QStyleHints.colorSchemeChanged``).
Only the accents (changes, warnings, data leaving the machine) are chosen
here, in a light and a dark variant. Sizes are in points and ``em`` so they
scale at high DPI.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from desktop.ui.state import window_state

__all__ = ["APPEARANCES", "Accents", "accents", "apply_appearance", "apply_theme", "dark_palette", "is_dark",
           "save_appearance", "saved_appearance"]

# The person's choice in Settings → Appearance (kept in the window's own state), in its words.
APPEARANCES = {"system": "Same as this computer", "light": "Light", "dark": "Dark"}


@dataclass(frozen=True)
class Accents:
    accent: str
    accent_text: str
    good: str
    warn: str
    warn_bg: str
    bad: str
    bad_bg: str
    muted: str
    card: str
    sidebar: str
    border: str
    bar: str  # a progress bar's filled part: its count is drawn across it and the empty part alike


_LIGHT = Accents(accent="#2f6fde", accent_text="#ffffff", good="#1f8a4c", warn="#9a5b00", warn_bg="#fff4dc",
                 bad="#b3261e", bad_bg="#fdecea", muted="#6b7280", card="#ffffff", sidebar="#eef1f6",
                 border="#d9dee7", bar="#a9c4f5")
_DARK = Accents(accent="#6ea2ff", accent_text="#0d1117", good="#5bd08d", warn="#f2b457", warn_bg="#3a2d14",
                bad="#ff8a80", bad_bg="#3d1f1d", muted="#9aa3b2", card="#23262d", sidebar="#1a1c21",
                border="#3a3f4a", bar="#2b4a85")


def is_dark(palette: QPalette | None = None) -> bool:
    """Dark when the window colour is darker than its text (works for any platform theme)."""
    pal = palette or QGuiApplication.palette()
    window, text = pal.color(QPalette.ColorRole.Window), pal.color(QPalette.ColorRole.WindowText)
    return window.lightness() < text.lightness()


def accents() -> Accents:
    return _DARK if is_dark() else _LIGHT


def apply_theme(app: QApplication) -> None:
    """Set the style sheet for the current palette (call again when the system scheme changes)."""
    a = accents()
    link = QColor(a.accent)
    pal = app.palette()
    pal.setColor(QPalette.ColorRole.Link, link)
    pal.setColor(QPalette.ColorRole.Highlight, QColor(a.accent))
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor(a.accent_text))
    app.setPalette(pal)
    sheet = _SHEET.format(a=a, chevron=_icon_path("chevron-down"))
    if app.styleSheet() != sheet:  # setting the same sheet again re-styles every widget for nothing
        app.setStyleSheet(sheet)


_system: QPalette | None = None  # the palette the system gave, as first seen: "Same as this computer"


def apply_appearance(choice: str) -> None:
    """Light, dark, or the system's own palette, at once, for every window (then the style sheet)."""
    global _system
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if _system is None:
        _system = QPalette(app.palette())
    choice = choice if choice in APPEARANCES else "system"
    hints = app.styleHints()
    if hasattr(hints, "setColorScheme"):  # Qt 6.8: native parts (title bars, dialogs) follow it too
        hints.setColorScheme({"dark": Qt.ColorScheme.Dark, "light": Qt.ColorScheme.Light}.get(
            choice, Qt.ColorScheme.Unknown))
    app.setPalette(dark_palette() if choice == "dark" else light_palette() if choice == "light" else _system)
    apply_theme(app)


def saved_appearance() -> str:
    value = window_state().value("appearance", "system")
    return value if isinstance(value, str) and value in APPEARANCES else "system"


def save_appearance(choice: str) -> None:
    state = window_state()
    state.setValue("appearance", choice if choice in APPEARANCES else "system")
    state.sync()


def _palette(colours: dict[QPalette.ColorRole, str], disabled: str) -> QPalette:
    pal = QPalette()
    for role, colour in colours.items():
        pal.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))
    return pal


_R = QPalette.ColorRole


def dark_palette() -> QPalette:
    """A dark palette, as a dark desktop theme hands one to an app."""
    return _palette({_R.Window: "#15171c", _R.WindowText: "#e6e8ec", _R.Base: "#1d2026",
                     _R.AlternateBase: "#23262d", _R.Text: "#e6e8ec", _R.Button: "#23262d",
                     _R.ButtonText: "#e6e8ec", _R.ToolTipBase: "#23262d", _R.ToolTipText: "#e6e8ec",
                     _R.PlaceholderText: "#7d8594", _R.Mid: "#4a505c", _R.Midlight: "#2c3038",
                     _R.Dark: "#0e0f12", _R.Light: "#3a3f4a", _R.BrightText: "#ffffff"}, "#6b7280")


def light_palette() -> QPalette:
    """A light palette, whatever the system's is."""
    return _palette({_R.Window: "#f6f7f9", _R.WindowText: "#1b1f24", _R.Base: "#ffffff",
                     _R.AlternateBase: "#f1f3f6", _R.Text: "#1b1f24", _R.Button: "#eceff3",
                     _R.ButtonText: "#1b1f24", _R.ToolTipBase: "#ffffff", _R.ToolTipText: "#1b1f24",
                     _R.PlaceholderText: "#8a919c", _R.Mid: "#b8bec8", _R.Midlight: "#e3e6eb",
                     _R.Dark: "#9aa1ab", _R.Light: "#ffffff", _R.BrightText: "#000000"}, "#9aa1ab")


def _icon_path(name: str) -> str:
    """A file path for an icon, for style sheets (which take ``url(...)``, not an icon object)."""
    path = resources.files("resources").joinpath("icons", f"{name}.svg")
    return str(path).replace("\\", "/")


_SHEET = """
QWidget#sidebar {{ background: {a.sidebar}; border-right: 1px solid {a.border}; }}
QListWidget#nav {{ background: transparent; border: none; outline: none; font-size: 11pt; }}
QListWidget#nav::item {{ padding: 9px 12px; margin: 2px 8px; border-radius: 8px; }}
QListWidget#nav::item:selected {{ background: {a.accent}; color: {a.accent_text}; }}
QListWidget#nav::item:hover:!selected {{ background: palette(midlight); }}
QListWidget#nav:focus {{ border: 2px solid {a.accent}; border-radius: 8px; }}
QLabel#brand {{ font-size: 17pt; font-weight: 600; padding: 14px 18px 4px 18px; }}
QLabel#brandTag {{ color: {a.muted}; padding: 0 18px 14px 18px; }}
QLabel#title {{ font-size: 18pt; font-weight: 600; }}
QLabel#subtitle {{ color: {a.muted}; font-size: 10.5pt; }}
QLabel#section {{ font-size: 11.5pt; font-weight: 600; margin-top: 6px; }}
QLabel#summary {{ font-size: 12.5pt; }}
QLabel#muted {{ color: {a.muted}; }}
QLabel#counts {{ font-size: 12pt; font-weight: 600; }}
QLabel#badgeRemote {{ color: {a.warn}; background: {a.warn_bg}; border-radius: 6px; padding: 2px 8px;
                     font-weight: 600; }}
QLabel#badgeLocal {{ color: {a.good}; padding: 2px 8px; }}
QLabel#status[kind="good"] {{ color: {a.good}; font-size: 13pt; font-weight: 600; }}
QLabel#status[kind="bad"] {{ color: {a.bad}; font-size: 13pt; font-weight: 600; }}
QLabel#status[kind="warn"] {{ color: {a.warn}; font-size: 13pt; font-weight: 600; }}
QFrame#card {{ background: {a.card}; border: 1px solid {a.border}; border-radius: 12px; }}
QFrame#banner {{ background: {a.warn_bg}; border: 1px solid {a.border}; border-radius: 10px; }}
QFrame#problem {{ background: {a.bad_bg}; border: 1px solid {a.bad}; border-radius: 10px; }}
QFrame#problem[kind="cancelled"] {{ background: {a.warn_bg}; border: 1px solid {a.warn}; }}
QLabel#problemMessage {{ font-weight: 600; font-size: 11pt; }}
QPlainTextEdit#request {{ font-size: 14pt; padding: 10px; border: 1px solid {a.border}; border-radius: 12px;
                         background: {a.card}; }}
QPlainTextEdit#request:focus {{ border: 2px solid {a.accent}; }}
QPlainTextEdit#log, QPlainTextEdit#script, QPlainTextEdit#problemDetail {{
    font-family: "DejaVu Sans Mono", "Menlo", "Consolas", monospace; font-size: 9.5pt; }}
QLineEdit, QComboBox {{ padding: 5px 8px; border: 1px solid {a.border}; border-radius: 6px;
    background: {a.card}; }}
QLineEdit:focus, QComboBox:focus {{ border: 2px solid {a.accent}; }}
QLineEdit:disabled {{ color: palette(mid); }}
QComboBox::drop-down {{ border: none; width: 24px; }}
QComboBox::down-arrow {{ image: url("{chevron}"); width: 12px; height: 12px; }}
QPushButton, QToolButton#plain {{ padding: 6px 14px; border-radius: 8px; border: 1px solid {a.border};
    background: {a.card}; }}
QPushButton:hover, QToolButton#plain:hover {{ border-color: {a.accent}; }}
QPushButton:focus, QToolButton#plain:focus {{ border: 2px solid {a.accent}; }}
QPushButton:disabled, QToolButton#plain:disabled {{ color: palette(mid); }}
QToolButton#plain::menu-indicator {{ subcontrol-position: right center; right: 6px; }}
QToolButton#plain {{ padding-right: 22px; }}
QPushButton#primary {{ background: {a.accent}; color: {a.accent_text}; border: none; font-weight: 600;
                      padding: 8px 20px; font-size: 11pt; }}
QPushButton#primary:disabled {{ background: palette(mid); color: palette(window); }}
QPushButton#primary:focus {{ border: 2px solid palette(highlighted-text); }}
QPushButton#chip {{ border: 1px solid {a.border}; border-radius: 13px; padding: 6px 14px;
                   background: {a.card}; }}
QPushButton#chip:hover {{ border-color: {a.accent}; color: {a.accent}; }}
QPushButton#chip:focus {{ border: 2px solid {a.accent}; }}
QPushButton#linkButton {{ color: {a.accent}; border: none; padding: 2px 4px; text-align: left;
                         background: transparent; }}
QPushButton#linkButton:hover {{ text-decoration: underline; }}
QPushButton#linkButton:focus {{ border: 2px solid {a.accent}; border-radius: 4px; }}
QAbstractItemView:focus, QPlainTextEdit:focus {{ border: 2px solid {a.accent}; }}
QCheckBox:focus {{ border: 1px solid {a.accent}; border-radius: 4px; }}
QToolButton#fold {{ border: none; color: {a.accent}; font-weight: 600; padding: 4px 0; }}
QLabel#step {{ color: {a.muted}; padding: 4px 10px; border-radius: 12px; }}
QLabel#step[current="true"] {{ color: {a.accent_text}; background: {a.accent}; font-weight: 600; }}
QLabel#step[done="true"] {{ color: {a.good}; }}
QTableView {{ border: 1px solid {a.border}; border-radius: 8px; gridline-color: {a.border}; }}
QHeaderView::section {{ padding: 6px; border: none; border-bottom: 1px solid {a.border};
                        background: palette(window); font-weight: 600; }}
QProgressBar {{ border: 1px solid {a.border}; border-radius: 8px; text-align: center; min-height: 22px; }}
QProgressBar::chunk {{ background: {a.bar}; border-radius: 7px; }}
"""
