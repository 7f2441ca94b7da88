"""Render a sample as the text that gets embedded.

The 0.5% paper embeds each sample as its training input: the instruction (and its input), then the answer. A
template turns a :class:`~selector.sample.Sample` into that one string; its name is part of the embedding cache
key, so two templates never share cached vectors.

Templates (``TEMPLATES``):

- ``default``: every turn's content in order (system, user, assistant, ...), joined by blank lines. For Alpaca
  the user turn already holds instruction + input, so this reads "instruction\\n\\ninput\\n\\noutput".
- ``roles``: the same turns, each prefixed by its role (``System: ``, ``User: ``, ``Assistant: ``); keeps the
  speaker visible for multi-turn chats.
- ``prompt``: the system and user turns only (no answer); useful to embed a ``--target`` file of prompts, or to
  select by what is asked rather than by what is answered.
- ``response``: the assistant turns only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from selector.errors import ConfigError
from selector.sample import Sample

_ROLE_NAMES = {"system": "System", "user": "User", "assistant": "Assistant"}


def _default(sample: Sample) -> str:
    return "\n\n".join(m.content for m in sample.messages if m.content)


def _roles(sample: Sample) -> str:
    return "\n\n".join(f"{_ROLE_NAMES.get(m.role, m.role)}: {m.content}" for m in sample.messages if m.content)


def _prompt(sample: Sample) -> str:
    return "\n\n".join(m.content for m in sample.messages if m.role != "assistant" and m.content)


def _response(sample: Sample) -> str:
    return "\n\n".join(m.content for m in sample.messages if m.role == "assistant" and m.content)


TEMPLATES: dict[str, Callable[[Sample], str]] = {
    "default": _default,
    "roles": _roles,
    "prompt": _prompt,
    "response": _response,
}


def check_template(template: str) -> str:
    """Return ``template`` if it names a known template, else raise a :class:`ConfigError` listing them."""
    if template not in TEMPLATES:
        raise ConfigError(f"unknown template {template!r}; choose one of: {', '.join(sorted(TEMPLATES))}")
    return template


def render(sample: Sample, template: str = "default") -> str:
    """The text of ``sample`` under the named template (see the module docstring); empty turns are skipped."""
    return TEMPLATES[check_template(template)](sample)


def render_all(samples: Iterable[Sample], template: str = "default") -> list[str]:
    """:func:`render` over many samples, in order."""
    fn = TEMPLATES[check_template(template)]
    return [fn(s) for s in samples]
