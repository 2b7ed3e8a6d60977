"""environment.yml (conda) installs exactly what pyproject.toml declares."""

import tomllib

import yaml

from course_lib.core.paths import ROOT


def pyproject_requirements() -> tuple[set[str], str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["test"])
    return {r.replace(" ", "") for r in wanted}, project["requires-python"]


def conda_requirements() -> tuple[set[str], list[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return {r.replace(" ", "") for r in pip if not r.startswith("-e")}, conda


def test_conda_and_pip_install_the_same_packages():
    wanted, _ = pyproject_requirements()
    conda_pip, _ = conda_requirements()
    assert conda_pip == wanted, (
        f"only in pyproject: {wanted - conda_pip}; only in yml: {conda_pip - wanted}"
    )


def test_same_python_and_torch_pinned_exactly():
    wanted, requires_python = pyproject_requirements()
    _, conda = conda_requirements()
    assert "python=3.11" in conda and ">=3.11" in requires_python
    assert any(r.startswith("torch==") for r in wanted), "torch must be pinned exactly (CPU wheel)"
