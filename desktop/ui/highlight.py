"""Python syntax highlighting for the folded-away script (Pygments tokens, palette-aware colours)."""

from __future__ import annotations

from pygments.lexers import PythonLexer
from pygments.token import Comment, Keyword, Name, Number, Operator, String, Token
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from desktop.ui.theme import is_dark

__all__ = ["PythonHighlighter"]

_LIGHT = {Keyword: "#8b3fc7", String: "#1f7a3a", Comment: "#6b7280", Number: "#b35c00",
          Name.Builtin: "#2f6fde", Name.Function: "#2f6fde", Operator.Word: "#8b3fc7"}
_DARK = {Keyword: "#d19bff", String: "#8bd99f", Comment: "#8b93a1", Number: "#f2b457",
         Name.Builtin: "#7fb0ff", Name.Function: "#7fb0ff", Operator.Word: "#d19bff"}


class PythonHighlighter(QSyntaxHighlighter):
    """Highlights line by line; a triple-quoted string across lines is carried in the block state."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._lexer = PythonLexer(stripnl=False, ensurenl=False)
        colours = _DARK if is_dark() else _LIGHT
        self._formats: dict[object, QTextCharFormat] = {}
        for token, colour in colours.items():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
            if token is Keyword:
                fmt.setFontWeight(QFont.Weight.DemiBold)
            if token is Comment:
                fmt.setFontItalic(True)
            self._formats[token] = fmt

    def _format_for(self, token: object) -> QTextCharFormat | None:
        while token is not None and token is not Token:
            if token in self._formats:
                return self._formats[token]
            token = token.parent  # type: ignore[attr-defined]
        return None

    def highlightBlock(self, text: str) -> None:
        in_string = self.previousBlockState() == 1
        source = ('"""' + text) if in_string else text
        shift = 3 if in_string else 0
        pos = 0
        ends_in_string = False
        for token, value in self._lexer.get_tokens(source):
            start, length = pos - shift, len(value)
            fmt = self._format_for(token)
            if fmt is not None:
                self.setFormat(max(0, start), length - max(0, -start), fmt)
            pos += length
            ends_in_string = token in String and value.count('"""') + value.count("'''") == 1
        self.setCurrentBlockState(1 if ends_in_string else 0)
