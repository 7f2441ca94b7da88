"""Telling code from prose in Markdown and HTML answers.

The style rules (first person, references to other answers) must not look inside code, and cleaning must not
rewrite it. :func:`split_code` cuts a text into ``(kind, piece)`` segments whose concatenation is the text:

* ``fence``: a fenced block (three or more backticks or tildes; an unclosed fence runs to the end);
* ``html_pre`` / ``html_code``: an HTML ``<pre>...</pre>`` or ``<code>...</code>`` element;
* ``indent``: an indented block (lines starting with 4 spaces or a tab) that follows a blank line or opens the
  text, as in Markdown;
* ``inline``: inline code between matching runs of backticks on one line;
* ``text``: everything else (prose).
"""

from __future__ import annotations

import re

__all__ = ["CODE_RE", "prose", "split_code"]

CODE_RE = re.compile(
    r"(?P<fence>^[ \t]{0,3}(?P<f>`{3,}|~{3,})[^\n]*\n(?:.*?(?:^[ \t]{0,3}(?P=f)[`~]*[ \t]*$|\Z)|.*\Z))"
    r"|(?P<html_pre><pre\b[^>]*>.*?</pre\s*>)"
    r"|(?P<html_code><code\b[^>]*>.*?</code\s*>)"
    r"|(?P<indent>(?:(?<=\n\n)|\A)(?:(?:[ ]{4}|\t)[^\n]*(?:\n|\Z))+)"
    r"|(?P<inline>(?P<b>`+)[^`\n](?:[^\n]*?[^`\n])??(?P=b)(?!`))",
    re.DOTALL | re.MULTILINE | re.IGNORECASE,
)
_KINDS = ("fence", "html_pre", "html_code", "indent", "inline")


def split_code(text: str) -> list[tuple[str, str]]:
    """Cut ``text`` into ``(kind, piece)`` segments, kinds as in the module docstring; ``"".join`` restores it."""
    if "`" not in text and "~~~" not in text and "<" not in text and "    " not in text and "\t" not in text:
        return [("text", text)]
    out: list[tuple[str, str]] = []
    pos = 0
    for m in CODE_RE.finditer(text):
        if m.start() > pos:
            out.append(("text", text[pos : m.start()]))
        kind = next(k for k in _KINDS if m.group(k) is not None)
        out.append((kind, m.group(0)))
        pos = m.end()
    if pos < len(text):
        out.append(("text", text[pos:]))
    return out


def prose(text: str) -> str:
    """``text`` with every code segment replaced by a single newline (what the style rules read)."""
    if "`" not in text and "~~~" not in text and "<" not in text and "    " not in text and "\t" not in text:
        return text
    return CODE_RE.sub("\n", text)
