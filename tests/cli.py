"""The one way the tests run the command line in-process: `invoke(*args)`, as a user types it after
`resnet-inspect`. `catch_exceptions=False`: an exception the CLI lets through fails the test with its traceback."""

from __future__ import annotations

from typer.testing import CliRunner

from resnet_inspect.cli import app

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), catch_exceptions=False, env=env)
