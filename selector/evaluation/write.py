"""Writing an evaluation: ``evaluation.json``, ``evaluation.md``, ``evaluation.png`` and the ``manifest.json`` that
marks the folder as ``selector evaluate``'s, staged and renamed into place as a whole through the one output guard
(:mod:`selector.io.guard`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from selector.evaluation.report import plot_evaluation, render_table
from selector.io.guard import MARKER_KEY, OutputGuard
from selector.pipeline.outputs import staged_output

if TYPE_CHECKING:
    from selector.evaluation.run import EvaluationResult

EVALUATION_FILES = ("evaluation.json", "evaluation.md", "evaluation.png")


def write_evaluation(result: EvaluationResult, out: Path, overwrite: bool = False) -> Path:
    """Write the evaluation files of ``result`` into the folder ``out``; returns the folder written."""
    from selector import __version__

    guard = OutputGuard(Path(out), "evaluate")
    with staged_output(guard, result.settings.get("inputs", []), overwrite) as stage:
        text = json.dumps(result.to_json(), indent=2, ensure_ascii=False)
        (stage / "evaluation.json").write_text(text + "\n", encoding="utf-8")
        (stage / "evaluation.md").write_text(render_table(result), encoding="utf-8")
        plot_evaluation(result, stage / "evaluation.png")
        marker = {MARKER_KEY: __version__, "command": "evaluate", "outputs": list(EVALUATION_FILES)}
        (stage / "manifest.json").write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return guard.path
