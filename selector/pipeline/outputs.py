"""A command's output folder: locked, checked, staged beside its final place, renamed into it whole.

:func:`staged_output` is what ``select`` (:func:`write_selection`), ``filter`` and ``dedup`` (:func:`write_kept`)
write through (``embed`` writes one file through the same guard): the guard (:mod:`selector.io.guard`) refuses
inputs, foreign folders and concurrent runs before any work; the files go into a hidden temporary folder that
becomes ``--out`` only when all of them are complete. Rejected samples are written in one shape by every command
(:func:`rejected_row`).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from selector.formats.export import dataset_info, export_rows
from selector.io import Corpus, atomic_path, write_jsonl, write_records
from selector.io.atomic import json_safe
from selector.io.guard import OutputGuard
from selector.pipeline.manifest import finite_json
from selector.report import report_model, write_html_report
from selector.report.data import ReportData
from selector.report.markdown import render_markdown
from selector.report.plots import write_plots
from selector.sample import Sample

TRAIN_FILE = "train.jsonl"
DATASET_INFO = "dataset_info.json"


@contextlib.contextmanager
def staged_output(guard: OutputGuard, inputs: Collection[str | os.PathLike[str]], overwrite: bool) -> Iterator[Path]:
    """Yield a temporary folder for the outputs; on success it replaces ``guard.path`` as a whole.

    The guard's lock is held throughout, and the check runs again under it (another run may have written the
    folder since the early check).
    """
    with guard.locked():
        guard.check(inputs, overwrite)
        with atomic_path(guard.path) as tmp:
            tmp.mkdir(parents=True)
            yield tmp


def write_selection(
    guard: OutputGuard,
    inputs: Collection[str],
    overwrite: bool,
    corpus: Corpus,
    chosen: Sequence[Sample],
    rows: Sequence[dict[str, Any]],
    rejected: Sequence[tuple[Sample, str]],
    manifest: dict[str, Any],
    report: ReportData,
    export: str | None = None,
    details: Mapping[str, Mapping[str, Any]] | None = None,
) -> Path:
    """Write a selection's folder: ``selected.<ext>``, ``selection.jsonl``, ``rejected.jsonl``, the report and its
    plots, ``report.html`` (:mod:`selector.report`), and ``manifest.json`` (its ``outputs`` key lists every file,
    which is what lets a later ``--overwrite`` replace the folder). With ``export`` (a shape of
    :mod:`selector.formats.export`), also ``train.jsonl`` and ``dataset_info.json`` (:func:`write_export`)."""
    with staged_output(guard, inputs, overwrite) as tmp:
        files = [p.relative_to(tmp).as_posix() for p in write_records(corpus, chosen, tmp, "selected")]
        if export is not None:
            files += write_export(tmp, chosen, export, guard.path.name)
        write_jsonl(tmp / "selection.jsonl", rows)
        write_rejected(tmp / "rejected.jsonl", rejected, details)
        model = report_model(manifest, pool=report, rows=rows, rejected=rejected, details=details)  # both reports'
        plots = write_plots(model, tmp)
        html = write_html_report(tmp, model)
        manifest["outputs"] = sorted([*files, "selection.jsonl", "rejected.jsonl", "report.md", html, *plots])
        (tmp / "report.md").write_text(render_markdown(manifest, plots), encoding="utf-8")
        write_manifest(tmp / "manifest.json", manifest)
    return guard.path


def write_kept(
    guard: OutputGuard,
    inputs: Collection[str],
    overwrite: bool,
    corpus: Corpus,
    kept: Sequence[Sample],
    rejected: Sequence[tuple[Sample, str]],
    manifest: dict[str, Any],
    export: str | None = None,
    details: Mapping[str, Mapping[str, Any]] | None = None,
) -> Path:
    """Write the folder of a command that keeps part of its input (``filter``, ``dedup``): ``kept.<ext>`` (the
    records in the input's own container), ``rejected.jsonl`` (:func:`rejected_row`), with ``export`` also
    ``train.jsonl`` and ``dataset_info.json``, a smaller ``report.html`` (the funnel, rejections per rule,
    duplicates), and ``manifest.json`` listing them under ``outputs``."""
    with staged_output(guard, inputs, overwrite) as tmp:
        files = [p.relative_to(tmp).as_posix() for p in write_records(corpus, kept, tmp, "kept")]
        if export is not None:
            manifest["export"] = export
            files += write_export(tmp, kept, export, guard.path.name)
        write_rejected(tmp / "rejected.jsonl", rejected, details)
        html = write_html_report(tmp, report_model(manifest, rejected=rejected, details=details))
        manifest["outputs"] = sorted([*files, "rejected.jsonl", html])
        write_manifest(tmp / "manifest.json", manifest)
    return guard.path


def write_export(folder: Path, samples: Sequence[Sample], shape: str, name: str) -> list[str]:
    """Write ``train.jsonl`` (``samples`` in trainer ``shape``, in order) and ``dataset_info.json`` (the
    LLaMA-Factory entry naming it as dataset ``name``) into ``folder``; return the two file names."""
    rows, has_system = export_rows(samples, shape)
    write_jsonl(folder / TRAIN_FILE, rows)
    info = dataset_info(shape, name, has_system, TRAIN_FILE)
    with atomic_path(folder / DATASET_INFO) as tmp:
        tmp.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [TRAIN_FILE, DATASET_INFO]


def rejected_row(sample: Sample, reason: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One line of ``rejected.jsonl``: the reason code, the sample's id, what the rule adds (``duplicate_of`` and
    ``similarity`` for the dedup rules, ``test_file``/``test_id``/``ngram`` for ``contaminated``), the record as
    read (+ its instance)."""
    row: dict[str, Any] = {"reason": reason, "id": sample.id}
    if details:
        row.update(details)
    row["record"] = sample.record
    if sample.instance is not None:
        row["instance"] = sample.instance
    return row


def write_rejected(
    path: Path, rejected: Iterable[tuple[Sample, str]], details: Mapping[str, Mapping[str, Any]] | None = None
) -> Path:
    """Write ``rejected.jsonl`` (see :func:`rejected_row`); ``details`` maps sample ids to their extra keys."""
    details = details or {}
    return write_jsonl(path, (rejected_row(s, reason, details.get(s.id)) for s, reason in rejected))


def write_manifest(path: Path, manifest: dict[str, Any], indent: int = 2) -> Path:
    """Write a manifest as strict JSON (non-finite floats as strings, numpy values as plain numbers), atomically."""
    with atomic_path(path) as tmp:
        write_json(tmp, manifest, indent)
    return path


def write_json(path: Path, manifest: dict[str, Any], indent: int = 2) -> Path:
    """Write ``manifest`` to ``path`` (in place) as :func:`write_manifest` does; for a file already staged."""
    text = json_safe(json.dumps(finite_json(manifest), ensure_ascii=False, indent=indent, default=_json_default))
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
