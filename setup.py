"""Packaging hook: everything else is in pyproject.toml.

The shipped run configs live in the top-level ``configs/`` (where a reader of the repository looks for them); a
built wheel carries them inside the package as ``selector/configs/*.yaml`` so that ``--config lima`` works after a
plain ``pip install``. ``selector.config.run.presets_dir`` finds either.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithConfigs(build_py):
    """``build_py`` that also copies ``configs/*.yaml`` into the built package."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "selector" / "configs"
        target.mkdir(parents=True, exist_ok=True)
        for preset in sorted(Path(__file__).resolve().parent.joinpath("configs").glob("*.yaml")):
            shutil.copyfile(preset, target / preset.name)


setup(cmdclass={"build_py": BuildWithConfigs})
