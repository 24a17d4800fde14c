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
