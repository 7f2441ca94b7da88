"""The language rule (``language``): keep only samples written in the listed languages.

The detector is ``langdetect`` (a port of Google's language-detection: naive Bayes over character n-grams, 55
languages, profiles shipped inside the package, nothing downloaded). It is pure Python and small, which is why we
chose it over ``lingua-language-detector`` (more accurate on short texts, but a 96 MB wheel). Its sampling is
seeded, so a text always gets the same answer. It looks at the prompt and the answer together.

A sample is dropped when its most probable language is not listed and has at least ``confidence`` probability.
Texts shorter than ``min_chars`` are too short to tell: they are kept and counted, as are texts the detector
cannot place (no letters) and detections below the confidence.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from selector.errors import ConfigError
from selector.filters.base import Filter, rule
from selector.sample import Sample

if TYPE_CHECKING:
    from selector.filters.config import FilterConfig

__all__ = ["LanguageFilter", "check_languages", "supported_languages"]

logger = logging.getLogger(__name__)

_INSTALL = "pip install langdetect (or pip install 'selector[lang]')"


def _profiles() -> str:
    try:
        from langdetect.detector_factory import PROFILES_DIRECTORY
    except ImportError:
        raise ConfigError(
            f"config key 'filters.languages' needs the package langdetect: {_INSTALL}; "
            "or set filters.languages: null to switch the rule off"
        ) from None
    return PROFILES_DIRECTORY


def supported_languages() -> list[str]:
    """The codes the detector knows (ISO 639-1; Chinese as ``zh``, which covers ``zh-cn`` and ``zh-tw``)."""
    import os

    codes = {name.split("-")[0] if name.startswith("zh") else name for name in os.listdir(_profiles())}
    return sorted(codes)


def check_languages(languages: list[str]) -> list[str]:
    """``languages`` lower-cased, each a code the detector knows; else a ConfigError listing the valid codes."""
    if not languages:
        raise ConfigError("config key 'filters.languages' is an empty list; list ISO codes (en, zh) or set null")
    known = supported_languages()
    wanted = [str(code).strip().lower() for code in languages]
    unknown = [code for code in wanted if code not in known]
    if unknown:
        raise ConfigError(
            f"config key 'filters.languages': unknown language code(s) {', '.join(map(repr, unknown))}; "
            f"use ISO 639-1 codes the detector knows: {', '.join(known)}"
        )
    return wanted


@rule("language", order=70, text="The text is detected (langdetect, seeded) in a language outside filters.languages.")
class LanguageFilter(Filter):
    """Drops samples confidently detected in a language outside ``languages`` (``language``)."""

    counters = ("too_short", "undetermined")

    @classmethod
    def from_config(cls, config: FilterConfig) -> Filter | None:
        if config.languages is None:
            return None
        return cls(config.languages, config.language_confidence, config.language_min_chars)

    def __init__(self, languages: list[str], confidence: float = 0.9, min_chars: int = 20) -> None:
        from langdetect.detector_factory import DetectorFactory

        self.languages = set(check_languages(languages))
        self.confidence = confidence
        self.min_chars = min_chars
        self._factory = DetectorFactory()
        self._factory.load_profile(_profiles())
        self._factory.set_seed(0)
        self._last: dict[str, Any] | None = None
        self.reset()

    def reset(self) -> None:
        self.too_short = 0
        self.undetermined = 0

    def detect(self, text: str) -> tuple[str | None, float]:
        """The most probable language code of ``text`` and its probability (``None`` when undetectable)."""
        from langdetect.lang_detect_exception import LangDetectException

        detector = self._factory.create()
        detector.append(text)
        try:
            best = detector.get_probabilities()[0]
        except (LangDetectException, IndexError):
            return None, 0.0
        return best.lang.split("-")[0] if best.lang.startswith("zh") else best.lang, float(best.prob)

    def check(self, sample: Sample) -> str | None:
        text = f"{sample.prompt}\n{sample.response}".strip()
        if len(text) < self.min_chars:
            self.too_short += 1
            return None
        lang, prob = self.detect(text)
        if lang is None or prob < self.confidence:
            self.undetermined += 1
            return None
        if lang in self.languages:
            return None
        self._last = {"language": lang, "probability": round(prob, 4)}
        return "language"

    def details(self, sample: Sample) -> dict[str, Any] | None:
        return self._last

    def describe(self) -> dict[str, Any]:
        return {
            "languages": sorted(self.languages),
            "confidence": self.confidence,
            "min_chars": self.min_chars,
            "notes": {"too short to tell (kept)": self.too_short, "language uncertain (kept)": self.undetermined},
        }
