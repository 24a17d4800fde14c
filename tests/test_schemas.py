"""Every command's JSON validates against its published JSON Schema (docs/schemas/, generated from the record
declarations) with a real validator; one vocabulary: no bare `macs`, the same numbers under the same keys from
`table`, `table --model`, `compare` and the library."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from resnet_inspect.cli import app
from resnet_inspect.records import SCHEMA_VERSION
from resnet_inspect.records.schemas import json_schemas
from resnet_inspect.records.vocabulary import DOCUMENTS

runner = CliRunner()
HERE = Path(__file__).parent
SCHEMAS = HERE.parent / "docs" / "schemas"


def written(*args: str):
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


# A ResNet-18 written out as a file the way a user would: our own model, through `table --model`.
OWN_MODEL = "from resnet_inspect import build_model\n\n\ndef build():\n    return build_model('resnet18')\n"


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    import torch

    from resnet_inspect import build_model

    folder = tmp_path_factory.mktemp("schemas")
    checkpoint = folder / "r18.pt"
    torch.save(build_model("resnet18").state_dict(), checkpoint)
    (folder / "own.py").write_text(OWN_MODEL)
    user = f"{HERE / 'user_models' / 'from_scratch.py'}:projection"
    return {
        "table": [
            written("table", "--depth", "18", "--size", "64", "--flops", "--memory", "--cross-check"),
            written("table", "--depth", "50", "--size", "64"),
            written("table", "--model", user, "--size", "32", "--flops"),
            written("table", "--model", f"{folder / 'own.py'}:build", "--size", "64"),
        ],
        "archs": [written("archs", "--size", "32")],
        "compare": [written("compare", "--depths", "18,50", "--size", "64")],
        "compare.diff": [written("compare", "--diff", "resnet50:stride_in=v1", "resnet50", "--size", "64")],
        "sweep": [written("sweep", "--depth", "18", "--sizes", "64,96", "--dtype", "bf16")],
        "blocks": [written("blocks")],
        "paper": [written("paper"), written("paper", "--cifar")],
        "check": [written("check", user, "--depth", "18", "--size", "32")],
        "check.checkpoint": [written("check", str(checkpoint)), written("check", str(checkpoint), "--depth", "34")],
        "profile": [written("profile", "--depth", "18", "--size", "32", "--repeats", "2", "--warmup", "1")],
        "explain": [written("explain", "layer2.0.conv2", "--depth", "18")],
    }


def test_every_document_kind_is_written_by_a_command(documents):
    assert sorted(documents) == sorted(doc.KIND for doc in DOCUMENTS)


@pytest.mark.parametrize("kind", [doc.KIND for doc in DOCUMENTS])
def test_every_command_json_validates_against_its_published_schema(kind, documents):
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for document in documents[kind]:
        jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
        assert next(iter(document)) == "schema_version" and document["schema_version"] == SCHEMA_VERSION


def test_a_document_that_breaks_the_schema_is_refused(documents):
    schema = json.loads((SCHEMAS / "table.schema.json").read_text())
    broken = {**documents["table"][1], "macs": 1}  # the key version 1 had: gone
    with pytest.raises(jsonschema.ValidationError, match="'macs' was unexpected"):
        jsonschema.validate(broken, schema)
    no_layers = {k: v for k, v in documents["table"][1].items() if k != "layers"}
    with pytest.raises(jsonschema.ValidationError, match="'layers' is a required property"):
        jsonschema.validate(no_layers, schema)


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_no_document_has_a_bare_macs_key(documents):
    for kind, docs in documents.items():
        keys = _keys(docs)
        assert not {
            k
            for k in keys
            if k
            in (
                "macs",
                "macs_share",
                "macs_delta",
                "gmacs_per_s",
                "macs_per_pixel",
                "macs_per_byte",
                "words",
                "reference_macs",
                "your_macs",
            )
        }, kind
        assert all("macs" not in k or "conv_linear" in k or "fvcore" in k for k in keys), (kind, keys)


def test_one_network_has_the_same_numbers_under_the_same_keys_everywhere(documents):
    import resnet_inspect as ri

    table, own = documents["table"][0], documents["table"][3]  # resnet18 at 64, by the spec and as a user's file
    compare = written("compare", "--archs", "resnet18", "--size", "64")["networks"][0]
    library = ri.analyze("resnet18", 64).to_dict()
    keys = (
        "name",
        "stage",
        "in_shape",
        "out_shape",
        "params",
        "params_share",
        "macs_conv_linear",
        "macs_share_conv_linear",
        "macs_fvcore",
        "macs_share_fvcore",
        "verified",
        "receptive_field",
        "jump",
        "rf_start",
        "rf_global",
    )
    for source in (own["stages"], compare["stages"], library["stages"]):
        assert [{k: r[k] for k in keys} for r in source] == [{k: r[k] for k in keys} for r in table["stages"]]
    for key in ("params", "macs_conv_linear", "macs_fvcore", "verified"):
        assert own["totals"][key] == compare["totals"][key] == library["totals"][key] == table["totals"][key]
    assert own["input"] == table["input"] == [1, 3, 64, 64] and own["resnet_like"] is True
    assert own["params_read_by_the_forward"] == own["totals"]["params"] == 11_689_512  # torchvision's ResNet-18
    layers = {r["name"]: r for r in own["layers"]}
    assert layers["layer2.0.conv2"]["kernel"] == [3, 3] and layers["layer2.0.conv2"]["receptive_field"] == [67, 67]


def test_the_published_schema_files_are_generated_from_the_records():
    generated = json_schemas()
    assert sorted(generated) == sorted(p.name for p in SCHEMAS.glob("*.json"))
    for name, body in generated.items():
        assert (SCHEMAS / name).read_text() == body, f"docs/schemas/{name} is stale: run `python docs/generate.py`"


def test_the_docs_page_is_generated_from_the_records():
    from resnet_inspect.records.vocabulary import TableDocument

    page = (HERE.parent / "docs" / "formats.md").read_text()
    for name, _, _ in [(f, 0, 0) for f in TableDocument.__dataclass_fields__]:
        assert f"| `{name}` |" in page
    assert "`macs_conv_linear`" in page and "`macs_fvcore`" in page and "schema_version" in page
