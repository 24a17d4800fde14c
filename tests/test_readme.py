"""The README's two commands are the contract; CI must run the test command exactly as written."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands():
    readme = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", readme)


def test_readme_has_the_main_job_and_the_test_command():
    main_job, tests = _commands()[:2]
    assert main_job.startswith("python3 -m venv .venv") and main_job.endswith(
        "resnet-inspect table --depth 50 --size 512"
    )
    assert "pip install -q torch==2.13.0 &&" in main_job
    assert tests.endswith("pytest -q") and "torch==2.13.0" in tests


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert _commands()[1] in ci


def test_the_bounds_the_readme_states_are_the_codes():
    from resnet_inspect.core import budget

    readme = " ".join((ROOT / "README.md").read_text().split())
    assert f"a sweep takes at most {budget.MAX_POINTS:,} sizes × batches" in readme
    assert f"`profile` at most {budget.MAX_PASSES:,} passes and an estimated {budget.MAX_SECONDS:g} seconds" in readme


def test_the_readme_states_the_python_the_package_requires():
    required = re.search(r'requires-python = ">=([\d.]+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    assert f"Python {required} or newer" in (ROOT / "README.md").read_text()
