"""The training planner against the published numbers, its reverse, and its errors."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.cli.console import as_flags
from selector.errors import ConfigError
from selector.planning import ACCELERATORS, chinchilla_tokens, effective_tokens, plan_training, tokens_for_hours
from selector.planning.scaling import CHINCHILLA_TABLE
from tests.io_fixtures import RECORDS, write_container

runner = CliRunner()


@pytest.mark.parametrize(("params", "tokens"), [(1e9, 20.2e9), (10e9, 205.1e9), (400e6, 8.0e9), (1e12, 21.2e12)])
def test_chinchilla_tokens_match_the_published_table(params, tokens):
    assert chinchilla_tokens(params) == pytest.approx(tokens, rel=1e-9)


def test_chinchilla_is_about_twenty_tokens_per_parameter_between_rows():
    assert all(chinchilla_tokens(n) == pytest.approx(d) for n, d in CHINCHILLA_TABLE)
    assert 20.2 < chinchilla_tokens(7e9) / 7e9 < 20.6  # between the 1B and 10B rows
    assert chinchilla_tokens(100e6) / 100e6 == pytest.approx(20.0)  # below the table: its first ratio


def test_plan_numbers_are_six_n_d_over_peak_times_mfu():
    p = plan_training(2_000_000, 7_000_000_000, gpu="h100", mfu=0.4, epochs=3)
    assert p.flops_per_epoch == pytest.approx(6 * 7e9 * 2e6)
    assert p.gpu_hours_per_epoch == pytest.approx(6 * 7e9 * 2e6 / (989e12 * 0.4) / 3600)
    assert p.total_gpu_hours == pytest.approx(3 * p.gpu_hours_per_epoch)
    assert p.worthwhile_epochs == 4 and "2305.16264" in p.sources["epochs"]
    four = next(r for r in p.epoch_table if r["epochs"] == 4)
    assert 0.9 < four["worth"] < 0.95  # ~4 epochs nearly as good as unique data; 16 epochs far less
    assert next(r for r in p.epoch_table if r["epochs"] == 16)["worth"] < 0.7
    assert effective_tokens(100, 1) == 100 and math.isclose(effective_tokens(100, 1e9), 100 * (1 + 15.4))


def test_gpu_hours_to_tokens_is_the_inverse_of_the_plan():
    tokens = tokens_for_hours(8, 7_000_000_000, gpu="h100", mfu=0.4)
    assert tokens == int(8 * 3600 * 989e12 * 0.4 / (6 * 7e9))
    assert plan_training(tokens, 7_000_000_000).gpu_hours_per_epoch == pytest.approx(8, rel=1e-6)
    assert abs(tokens_for_hours(8, 7_000_000_000, epochs=4) - tokens / 4) <= 1  # four epochs: a quarter per epoch


def test_bad_values_are_clear_errors():
    with pytest.raises(ConfigError, match="params=") as info:
        plan_training(1000, -1)
    assert as_flags(str(info.value)).startswith("--params must be")
    with pytest.raises(ConfigError, match="mfu="):
        plan_training(1000, 10**9, mfu=1.5)
    with pytest.raises(ConfigError, match=r"gpu='tpu9' is not a known accelerator; choose one of h100") as info:
        plan_training(1000, 10**9, gpu="tpu9")
    assert as_flags(str(info.value)).startswith("--gpu 'tpu9' is not")
    assert as_flags(str(info.value)).endswith("with --peak-tflops")
    assert set(ACCELERATORS) >= {"h100", "a100", "h200"}


def test_cli_plans_a_selection_folder_and_writes_json(tmp_path):
    src = write_container(tmp_path, "a", "jsonl", RECORDS["alpaca"])
    sel = tmp_path / "sel"
    assert runner.invoke(app, ["filter", str(src), "--out", str(sel)]).exit_code == 0
    out = tmp_path / "plan.json"
    res = runner.invoke(app, ["plan", str(sel), "--params", "7B", "--gpu", "a100", "--mfu", "0.5", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Chinchilla-optimal" in res.output and "2305.16264" in res.output and "kept.jsonl" in res.output
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["command"] == "plan" and written["plan"]["accelerator"] == "a100"
    assert written["plan"]["flops_per_epoch"] == pytest.approx(6 * 7e9 * written["plan"]["tokens_per_epoch"])
    again = runner.invoke(app, ["plan", str(sel), "--params", "7B", "--out", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.output


def test_cli_reverse_and_bad_values():
    res = runner.invoke(app, ["plan", "--gpu-hours", "8", "--params", "7B"])
    assert res.exit_code == 0 and f"--tokens {tokens_for_hours(8, 7 * 10**9)}" in res.output
    for args, message in (
        (["--tokens", "0", "--params", "7B"], "--tokens must be at least 1"),
        (["--tokens", "2M", "--params", "-1"], "--params must be a positive count"),
        (["--tokens", "2M", "--params", "7B", "--gpu", "tpu9"], "not a known accelerator"),
        (["--tokens", "2M"], "--params is required"),
        (["--tokens", "2M", "--gpu-hours", "3", "--params", "7B"], "exactly one of"),
    ):
        res = runner.invoke(app, ["plan", *args])
        assert res.exit_code == 2 and message in res.output, (args, res.output)


# Hoffmann et al. 2022, Table 3: parameters, FLOPs, tokens as printed.
PUBLISHED = [
    ("400M", 1.92e19, "8.0B"),
    ("1B", 1.21e20, "20.2B"),
    ("10B", 1.23e22, "205.1B"),
    ("67B", 5.76e23, "1.5T"),
    ("175B", 3.85e24, "3.7T"),
    ("280B", 9.90e24, "5.9T"),
    ("520B", 3.43e25, "11.0T"),
    ("1T", 1.27e26, "21.2T"),
    ("10T", 1.30e28, "216.2T"),
]


def test_plan_table_recomputes_the_published_rows():
    res = runner.invoke(app, ["plan", "--table"])
    assert res.exit_code == 0, res.output
    rows = [line.split() for line in res.output.splitlines()[1 : 1 + len(PUBLISHED)]]
    assert [r[0] for r in rows] == [p for p, _, _ in PUBLISHED]
    assert [r[-1] for r in rows] == [t for _, _, t in PUBLISHED]  # 1B -> 20.2B, 10B -> 205.1B, 67B -> 1.5T, ...
    for row, (_, flops, _) in zip(rows, PUBLISHED, strict=True):
        # 6·N·D from the rounded tokens: within 5% of the printed FLOPs (67B: 1.5T tokens give 6.03e23, not 5.76e23)
        assert float(row[1]) == pytest.approx(flops, rel=0.05)
    gopher = dict((r[0], r[2]) for r in rows)
    assert gopher["67B"] == "1.0" and gopher["10B"] == "1/47" and gopher["175B"] == "6.7"


def test_plan_params_alone_prints_the_compute_optimal_plan(tmp_path):
    out = tmp_path / "optimal.json"
    res = runner.invoke(app, ["plan", "--params", "7B", "--gpu", "a100", "--mfu", "0.5", "--out", str(out)])
    assert res.exit_code == 0, res.output
    tokens = round(chinchilla_tokens(7e9))
    flops = 6 * 7e9 * tokens
    assert f"{tokens:,}" in res.output and f"{flops:.3g}" in res.output
    assert f"{flops / (312e12 * 0.5) / 3600:,.0f} on a100" in res.output
    plan = json.loads(out.read_text(encoding="utf-8"))["plan"]
    assert plan["tokens_per_epoch"] == tokens and plan["chinchilla_tokens"] == pytest.approx(tokens, abs=1)
    bad = runner.invoke(app, ["plan", "--params", "0"])
    assert bad.exit_code == 2 and "--params" in bad.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tokens", "1000", "--epochs", "inf"], "--epochs must be a positive finite number"),
        (["--tokens", "1000", "--epochs", "nan"], "--epochs must be a positive finite number"),
        (["--gpu-hours", "inf"], "--gpu-hours must be a positive finite number"),
        (["--tokens", "1000", "--peak-tflops", "inf"], "--peak-tflops must be a positive"),
    ],
)
def test_infinite_or_nan_plan_options_are_refused(args, message):
    res = runner.invoke(app, ["plan", "--params", "7B", *args])
    assert res.exit_code == 2 and message in res.output, res.output


def test_library_plan_is_what_the_command_prints():
    from selector.planning import plan

    report = plan("7B", gpu_hours=8)
    assert report.result["tokens_per_epoch"] == tokens_for_hours(8, 7 * 10**9)
    res = runner.invoke(app, ["plan", "--gpu-hours", "8", "--params", "7B"])
    assert res.exit_code == 0 and res.output == report.text + "\n"
    with pytest.raises(ConfigError, match="give exactly one of source="):
        plan("7B", tokens="2M", gpu_hours=8)
