"""Every record the commands write is described by its schema (views/schemas.py, docs/formats.md): no field
missing, none undocumented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from resnet_inspect.cli import app
from resnet_inspect.views.schemas import SCHEMA, SCHEMAS

runner = CliRunner()
HERE = Path(__file__).parent


def written(*args: str):
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def holds(kind: str, records) -> None:
    schema = SCHEMA[kind]
    for record in records if isinstance(records, list) else [records]:
        assert not schema.unknown(record), f"{kind}: undocumented {schema.unknown(record)}"
        assert not schema.missing(record), f"{kind}: missing {schema.missing(record)}"


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    import torch

    from resnet_inspect import build_model

    checkpoint = tmp_path_factory.mktemp("ckpt") / "r18.pt"
    torch.save(build_model("resnet18").state_dict(), checkpoint)
    table = written("table", "--depth", "18", "--size", "64", "--flops", "--memory", "--cross-check")
    plain = written("table", "--depth", "50", "--size", "64")
    blocks = written("blocks")
    check = written("check", f"{HERE / 'user_models' / 'from_scratch.py'}:projection", "--depth", "18")
    profile = written("profile", "--depth", "18", "--size", "32", "--repeats", "2", "--warmup", "1")
    return {
        "table": [table, plain],
        "table.layer": table["layers"] + plain["layers"],
        "table.group": table["blocks"] + table["stages"] + plain["stages"],
        "table.totals": [table["totals"], plain["totals"]],
        "archs": written("archs", "--size", "32")[:3],
        "compare": written("compare", "--depths", "18,50", "--size", "64"),
        "compare.diff": written("compare", "--diff", "resnet50:stride_in=v1", "resnet50", "--size", "64"),
        "sweep": written("sweep", "--depth", "18", "--sizes", "64,96", "--dtype", "bf16"),
        "blocks": blocks,
        "blocks.conv": blocks["convs"],
        "blocks.design": blocks["designs"],
        "paper": written("paper"),
        "check": check,
        "check.stage": check["stages"],
        "check.checkpoint": written("check", str(checkpoint)),
        "profile": profile,
        "profile.stage": profile["stages"],
        "profile.block": profile["blocks"],
    }


@pytest.mark.parametrize("kind", [s.kind for s in SCHEMAS if s.kind != "table.row"])
def test_every_json_record_follows_its_schema(kind, records):
    holds(kind, records[kind])


def test_flat_rows_follow_their_schema():
    from resnet_inspect.features.table import analyze, memory_view, table_records

    a = analyze(18, 64)
    for level in ("layer", "block", "stage"):
        holds("table.row", table_records(a, level))
        holds("table.row", table_records(a, level, flops=True, memory=memory_view(a, "bfloat16")))


def test_the_docs_page_is_generated_from_the_schemas():
    from resnet_inspect.views.schemas import schemas_markdown

    page = (HERE.parent / "docs" / "formats.md").read_text()
    assert page == schemas_markdown()
    assert "`macs_conv_linear`" in page and "`macs_fvcore`" in page
