"""Text from the data made safe to show: :func:`terminal_safe` writes each character a terminal (or a plot
label) would act on or hide instead of showing as a visible escape.

Source names, ids, keys, file names and field values come from the user's files and may hold escape sequences,
carriage returns, bells, C1 controls or bidirectional overrides. The CLI prints through it
(:mod:`selector.cli.console`) and the reports draw their chart labels through it (:mod:`selector.report`), so a
source named ``"ESC[31mred"`` shows as ``\\x1b[31mred`` in both.
"""

from __future__ import annotations

import re

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""What a terminal would act on instead of showing: C0 controls but tab and newline, DEL, C1 controls, line and
paragraph separators, bidirectional overrides; and lone surrogates (a file name's bytes that are not UTF-8)."""
_ONE_LINE = re.compile(UNSAFE.pattern[:-1] + "\t\n]")
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def _visible(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a name that is not UTF-8 (os.fsdecode): shown as that byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str, *, one_line: bool = False) -> str:
    r"""``text`` with each character a terminal would act on (ESC, CR, BEL, C1 controls, bidi overrides) written
    as a visible escape: ESC + ``[31mred`` prints as ``\x1b[31mred``, not in red. ``one_line``: newlines and tabs
    too (``\n``, ``\t``), for log and error lines and chart labels."""
    pattern = _ONE_LINE if one_line else UNSAFE
    return pattern.sub(lambda m: _visible(m.group()), text)
