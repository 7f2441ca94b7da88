"""One line per drop reason, in the order the rules run, as ``report.html`` explains each rule next to its examples.

The codes are :data:`selector.filters.REASONS`; each line is given by its rule (``@rule(..., text=...)`` in
``selector/filters/``) and the rules behind them are described in ``docs/algorithms.md`` (sections 1 and 8). A code
without a line here is shown with its code alone.
"""

from __future__ import annotations

REASON_TEXT: dict[str, str] = {}
"""Reason code -> its one-line explanation, in the order the rules run. Filled by ``selector.filters.base.rule``
as each rule's module registers it (the text lives beside the rule); every run that has reasons to show has
imported the rules."""


def explain(reason: str) -> str:
    """The one-line explanation of drop ``reason`` (empty when the code is not known)."""
    return REASON_TEXT.get(reason, "")


def reason_order(reason: str) -> int:
    """Where ``reason``'s rule runs among the built-in rules (:data:`REASON_TEXT` follows their order)."""
    order = list(REASON_TEXT)
    return order.index(reason) if reason in order else len(order)
