"""Cleaning: a transform that rewrites text (LIMA's "strip links, images and other HTML, keep code and lists").

Unlike the filters it drops nothing; :func:`clean_samples` reports how many samples it changed, and by which
step. Code is never rewritten: Markdown fenced, indented and inline code pass through untouched, and HTML
``<pre>``/``<code>`` become Markdown code (fenced or inline), entities decoded.

Steps (each can be switched off in :class:`CleanConfig`):

* ``images``: Markdown images ``![alt](url)`` and HTML ``<img>`` are removed;
* ``links``: Markdown links ``[text](url)``, reference links ``[text][ref]`` (and their ``[ref]: url``
  definitions) and HTML ``<a>`` keep only their text; ``<https://...>`` autolinks keep the address. Bare URLs
  are their own text and stay;
* ``html``: other HTML becomes Markdown: paragraphs and ``<br>`` become line breaks, ``<li>`` list items
  (``- `` in ``<ul>``, ``1. `` in ``<ol>``, nesting indented), headings ``#``, bold ``**``, italics ``*``,
  ``<hr>`` ``---``; any other tag is dropped with its text kept; entities are decoded;
* ``wikihow_intro``: an answer opening with "This article" opens with "The following answer" instead.

HTML is only touched when the text is HTML *prose* (as in a Stack Exchange dump): a text holding a document or
widget tag (``<html>``, ``<body>``, ``<div>``, ``<script>``, ``<form>``, ``<table>``, ...), a ``<!DOCTYPE``, a
``<?php``, or a tag inside a quoted string is source code (say, a code-generation answer) and its HTML is left
alone. Names that are not HTML tags (``#include <iostream>``, ``vector<int>``) are never touched. Limitation: a
one-line answer made only of prose tags (``<a href="...">text</a>``) cannot be told from HTML prose and is
cleaned.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from selector.filters.markup import split_code
from selector.formats.transform import map_sample_text
from selector.sample import Role, Sample

__all__ = ["CleanConfig", "clean_samples", "clean_text", "clean_text_steps"]

PROSE_TAGS = frozenset(
    str.split(
        "a img p br hr b strong i em u s strike del ins sup sub kbd ul ol li blockquote h1 h2 h3 h4 h5 h6 pre code "
        "span dl dt dd small big abbr cite q tt var samp mark"
    )
)
CODE_TAGS = frozenset(
    str.split(
        "html head body script style form input div table tr td th thead tbody tfoot button select option textarea "
        "label link meta title svg canvas iframe nav header footer section article main center font template "
        "noscript video audio source object embed frame frameset"
    )
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)/?>")
_CODE_SIGNS = re.compile(
    r"(?i:<!doctype|<\?[a-z]|['\"`]\s*</?[a-z][a-z0-9]*[\s>/])"  # doctype, <?php, a tag in a string literal
    r"|<[a-z][^<>]*=\{|>\s*\{|</?[A-Z][A-Za-z0-9]*[\s/>]|\s(?:v-|@|\*ng|ng-)[\w-]*="  # JSX, Vue, Angular
    r"|(?m:^[ \t]*(?:import|export|const|let|var|function|def|class|public|private|package|using|#include)\b)"
    r"|(?m:[;{][ \t]*$)"  # statements and blocks of unfenced source code
)
_IMG_MD = re.compile(r"!\[[^\]\n]*\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)")
_URL = r"(?:[^()\s\[\]{}<>|\\^*'\"`]|\([^()\s]*\))+"  # a non-empty address: no brackets, braces, quotes
_LINK_MD = re.compile(r"(?<![\w\])!\\])\[([^\[\]\n\\]+)\]\(<?" + _URL + r">?(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)")
_LINK_REF = re.compile(r"(?<![\w\])!\\])\[([^\[\]\n\\]+)\]\[([^\[\]\n]*)\]")
_LINK_DEF = re.compile(
    r"(?m)^[ ]{0,3}\[([^\[\]\n]+)\]:[ \t]+\S+(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*\n?"
)
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]+)>", re.IGNORECASE)
_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_WIKIHOW = re.compile(r"\A(\s*)This article\b")


@dataclass
class CleanConfig:
    """The ``cleaning:`` section of a run config (off by default; ``the lima config`` switches it on).

    Attributes:
        enabled: run the cleaning transform at all.
        links, images, html, wikihow_intro: the steps (module docstring).
        roles: which turns are cleaned; LIMA's rules are about answers, so ``[assistant]`` by default.
    """

    enabled: bool = False
    links: bool = True
    images: bool = True
    html: bool = True
    wikihow_intro: bool = False
    roles: list[Role] = field(default_factory=lambda: ["assistant"])


def is_html_prose(text: str) -> bool:
    """Whether ``text`` holds HTML tags to clean: prose tags only, and no sign of being source code."""
    tags = [(m.group(1), m.group(2).lower(), m.group(3)) for m in _TAG.finditer(text)]
    names = {name for _, name, _ in tags}
    # a tag merely named in prose ("the <pre> tag") is not markup: require a closed element or a sourced image
    if not any((slash and name in PROSE_TAGS) or (name == "img" and "src=" in attrs) for slash, name, attrs in tags):
        return False
    return not (names & CODE_TAGS) and not _CODE_SIGNS.search(text)


def _html_code(kind: str, piece: str) -> str:
    inner = _TAG.sub("", piece)
    inner = html.unescape(inner)
    if kind == "html_code" and "\n" not in inner.strip("\n"):
        ticks = "``" if "`" in inner else "`"
        return f"{ticks}{inner}{ticks}"
    return "\n\n```\n" + inner.strip("\n") + "\n```\n\n"


def _html_to_markdown(text: str, links: bool, images: bool) -> str:
    out: list[str] = []
    lists: list[str] = []
    pos = 0
    for m in _TAG.finditer(text):
        out.append(text[pos : m.start()])
        pos = m.end()
        closing, name = m.group(1) == "/", m.group(2).lower()
        if name not in PROSE_TAGS and name not in CODE_TAGS:
            out.append(m.group(0))  # not an HTML tag (vector<int>): keep as written
        elif name == "img":
            out.append("" if images else m.group(0))
        elif name == "a":
            out.append("" if links else m.group(0))
        elif name in ("p", "blockquote", "dl", "dd", "dt"):
            out.append("\n\n")
        elif name == "br":
            out.append("\n")
        elif name == "hr":
            out.append("\n\n---\n\n")
        elif name in ("ul", "ol"):
            if closing:
                if lists:
                    lists.pop()
            else:
                lists.append(name)
            if not lists or (not closing and len(lists) == 1):
                out.append("\n")
        elif name == "li":
            if not closing:
                marker = "1. " if lists and lists[-1] == "ol" else "- "
                out.append("\n" + "   " * max(len(lists) - 1, 0) + marker)
        elif name[0] == "h" and name[1:].isdigit():
            out.append("\n\n" if closing else "\n\n" + "#" * int(name[1:]) + " ")
        elif name in ("b", "strong"):
            out.append("**")
        elif name in ("i", "em"):
            out.append("*")
    out.append(text[pos:])
    return html.unescape("".join(out))


def clean_text_steps(text: str, config: CleanConfig | None = None) -> tuple[str, list[str]]:
    """``text`` cleaned by ``config`` (all on if ``None``); also the sorted names of the steps that changed it."""
    cfg = config or CleanConfig(enabled=True)
    changed: list[str] = []
    segments = split_code(text)
    as_html = (
        cfg.html
        and "<" in text
        and is_html_prose("".join(p for k, p in segments if k in ("text", "html_pre", "html_code")))
    )
    pieces: list[str] = []
    for kind, piece in segments:
        if kind in ("html_pre", "html_code"):
            if as_html:
                piece = _html_code(kind, piece)
                changed.append("html")
        elif kind == "text":
            piece = _clean_prose(piece, cfg, as_html, changed)
        pieces.append(piece)
    out = "".join(pieces)
    if "html" in changed:
        out = _BLANKS.sub("\n\n", out).strip()
    if cfg.wikihow_intro:
        new = _WIKIHOW.sub(r"\1The following answer", out, count=1)
        if new != out:
            changed.append("wikihow_intro")
            out = new
    return out, sorted(set(changed))


def _clean_prose(piece: str, cfg: CleanConfig, as_html: bool, changed: list[str]) -> str:
    if cfg.images and "![" in piece:
        new = _IMG_MD.sub("", piece)
        if new != piece:
            changed.append("images")
            piece = new
    if cfg.links and "[" in piece:
        new = _LINK_MD.sub(r"\1", piece)
        defined = {m.group(1).strip().casefold() for m in _LINK_DEF.finditer(new)}
        if defined:  # [text][ref] is a link only when [ref]: url is defined (else it is code, e.g. a regex)

            def ref(m: re.Match[str]) -> str:
                label = (m.group(2) or m.group(1)).strip().casefold()
                return m.group(1) if label in defined else m.group(0)

            new = _LINK_DEF.sub("", _LINK_REF.sub(ref, new))
        if new != piece:
            changed.append("links")
            piece = new
    if cfg.links and "<" in piece:
        new = _AUTOLINK.sub(r"\1", piece)
        if new != piece:
            changed.append("links")
            piece = new
    if as_html and ("<" in piece or "&" in piece):
        new = _html_to_markdown(piece, cfg.links, cfg.images)
        if new != piece:
            names = {m.group(2).lower() for m in _TAG.finditer(piece)}
            if cfg.links and "a" in names:
                changed.append("links")
            if cfg.images and "img" in names:
                changed.append("images")
            if names - {"a", "img"} or "&" in piece:
                changed.append("html")
            piece = new
    return piece


def clean_text(text: str, config: CleanConfig | None = None) -> str:
    """``text`` with links, images and HTML removed as configured (all steps on when ``config`` is ``None``)."""
    return clean_text_steps(text, config)[0]


def clean_samples(samples: Iterable[Sample], config: CleanConfig) -> tuple[list[Sample], dict[str, Any]]:
    """Clean the ``config.roles`` turns of every sample; the samples come back in order, the changed ones rebuilt.

    Returns ``(samples, stats)`` with ``stats == {"enabled", "records_cleaned", "by_step": {step: n}}``: how
    many samples changed, and how many were changed by each step. With ``enabled`` false nothing is touched.
    """
    samples = list(samples)
    by_step = {"links": 0, "images": 0, "html": 0, "wikihow_intro": 0}
    stats: dict[str, Any] = {"enabled": config.enabled, "records_cleaned": 0, "by_step": by_step}
    if not config.enabled:
        return samples, stats
    out: list[Sample] = []
    for sample in samples:
        steps: set[str] = set()

        def fn(text: str, _steps: set[str] = steps) -> str:
            new, changed = clean_text_steps(text, config)
            _steps.update(changed)
            return new

        cleaned = map_sample_text(sample, fn, config.roles)
        if steps:
            stats["records_cleaned"] += 1
            for step in steps:
                by_step[step] += 1
        out.append(cleaned)
    return out, stats
