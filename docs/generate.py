"""The project's docs, generated from the tool's own output: every number in them is computed and verified.

Run `python docs/generate.py` (or `--out DIR`) to regenerate the pages, the Markdown tables they embed, the
figures and the CLI reference; it reads the package's public modules only. A test regenerates the docs and
compares every Markdown file with the committed one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer.main

from resnet_inspect.cli import app
from resnet_inspect.core.configs import DEPTHS, REGISTRY, get_spec, parse_arch
from resnet_inspect.core.devices import get_device
from resnet_inspect.core.memory import layer_memory
from resnet_inspect.features.architecture import block_diagrams, network_diagram, paper_blocks
from resnet_inspect.features.blocks import compare_blocks
from resnet_inspect.features.catalog import catalog
from resnet_inspect.features.compare import compare_networks, diff_networks
from resnet_inspect.features.explain import explain
from resnet_inspect.features.paper import cifar_table, paper_table
from resnet_inspect.features.sweep import sweep
from resnet_inspect.features.table import analyze
from resnet_inspect.files import write_text
from resnet_inspect.records.schemas import json_schemas, schemas_markdown
from resnet_inspect.views import diagrams
from resnet_inspect.views import figures as plots
from resnet_inspect.views.formats import catalog_markdown, paper_markdown, records_markdown, to_markdown

FIGURES = {
    "resnet50_stages.png": "stages of ResNet-50 at 224×224",
    "resnet152_layers.png": "ResNet-152 layer by layer",
    "depths.png": "the five depths stage by stage",
    "blocks.png": "basic, bottleneck and ResNeXt blocks",
    "resnet50_sweep.png": "ResNet-50 over input sizes",
    "resnet50_shapes.png": "ResNet-50's feature map",
    "resnet50_roofline.png": "ResNet-50's layers on an H100's roofline",
    "resnet50_diagram.png": "ResNet-50 as the paper's Figure 3, blocks collapsed per stage",
    "resnet110_diagram.png": "the CIFAR ResNet-110, with option A zero-padding shortcuts",
    "blocks_figure5.png": "basic and bottleneck blocks as the paper's Figure 5",
    "seresnet50_layer3_blocks.png": "SE-ResNet-50's layer3 blocks, op by op",
}


# Sharp on a high-density screen and in print, as plot's own default is, at a fraction of its 200 dpi's bytes.
DOCS_DPI = 150


def generate(out: Path | str) -> list[Path]:
    """Write every generated docs file under `out`; returns their paths."""

    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def text(relative: str, body: str) -> None:
        path = out / relative
        write_text(path, body)
        written.append(path)

    def figure(relative: str, fig: Any) -> None:
        path = out / "figures" / relative
        plots.save(fig, path, dpi=DOCS_DPI)
        written.append(path)

    r50, r152 = analyze(50, 224), analyze(152, 224)
    depths = compare_networks([get_spec(d) for d in DEPTHS], (224, 224))
    blocks = compare_blocks(64, 56, groups=32, width_per_group=4)
    v1 = analyze(parse_arch("resnet50:stride_in=v1"), 224)
    sweep_points = sweep(get_spec(50), "32:1024:16")

    tables = {
        "tables/resnet50_stages.md": to_markdown(r50, "stage"),
        "tables/resnet50_blocks.md": to_markdown(r50, "block"),
        "tables/paper_table1.md": paper_markdown(paper_table()),
        "tables/paper_table1_option_b.md": paper_markdown(paper_table(shortcut="B")),
        "tables/paper_table6_cifar.md": paper_markdown(cifar_table()),
        "tables/blocks.md": records_markdown(_block_rows(blocks)),
        "tables/depths.md": records_markdown(depths.records(), columns=depths.COLUMNS),
        "tables/v1_vs_v1.5.md": records_markdown(diff_networks(v1, r50).records()),
        "tables/archs.md": catalog_markdown(catalog([analyze(name) for name in REGISTRY]).entries),
    }
    for relative, body in tables.items():
        text(relative, body)

    figure("resnet50_stages.png", plots.stages_figure(r50))
    figure("resnet152_layers.png", plots.layers_figure(r152))
    figure("depths.png", plots.depths_figure(depths))
    figure("blocks.png", plots.blocks_figure(blocks))
    figure("resnet50_sweep.png", plots.sweep_figure(sweep_points))
    figure("resnet50_shapes.png", plots.shapes_figure(r50))
    h100, batch256 = get_device("h100-sxm"), analyze(50, 224, batch=256)
    figure(
        "resnet50_roofline.png",
        plots.roofline_figure(
            batch256,
            layer_memory(batch256.trace, "bfloat16"),
            peak_macs_per_s=h100.peak_macs_per_s("bfloat16"),
            bandwidth=h100.bandwidth_gbs * 1e9,
            device=h100.name,
            dtype="bfloat16",
        ),
    )

    figure("resnet50_diagram.png", diagrams.network_figure(network_diagram(get_spec(50), (224, 224))))
    figure("resnet110_diagram.png", diagrams.network_figure(network_diagram(get_spec("resnet110"), (32, 32))))
    figure(
        "blocks_figure5.png",
        diagrams.block_figure(
            paper_blocks(), title="Basic and bottleneck blocks (the paper's Figure 5), 224×224 input"
        ),
    )
    figure(
        "seresnet50_layer3_blocks.png",
        diagrams.block_figure(
            block_diagrams(get_spec("seresnet50"), "layer3", (224, 224)),
            title="seresnet50: the blocks of layer3 at 224×224 input",
        ),
    )

    text("index.md", _index(r50, r152, tables))
    text("arithmetic.md", _arithmetic(r50, v1, blocks))
    text("cli.md", cli_reference(typer.main.get_command(app)))
    text(
        "formats.md",
        schemas_markdown(
            f"ResNet-50 at 224×224: {r50.macs_conv_linear:,} conv + linear MACs, {r50.macs_fvcore:,} fvcore MACs."
        ),
    )
    (out / "schemas").mkdir(exist_ok=True)
    for name, body in json_schemas().items():
        text(f"schemas/{name}", body)
    return written


def _block_rows(comparison) -> list[dict[str, Any]]:
    return [
        {
            "design": d.label,
            "channels": f"{d.in_channels}→{d.out_channels}",
            "convs": " · ".join(
                f"{c.kernel[0]}×{c.kernel[1]}{f' g{c.groups}' if c.groups > 1 else ''} {c.in_shape[1]}→{c.out_shape[1]}"
                for c in d.convs
            ),
            "conv params": d.conv_params,
            "MACs": d.macs_conv_linear,
            "MACs vs basic": f"{d.macs_conv_linear / comparison.designs[0].macs_conv_linear:.3f}",
        }
        for d in comparison.designs
    ]


def _index(r50, r152, tables: dict[str, str]) -> str:
    def share(stages: tuple[str, ...], of: str) -> float:
        if of == "macs":
            return sum(r.macs_conv_linear for r in r50.rows if r.traced.stage in stages) / r50.macs_conv_linear
        return sum(r.traced.params for r in r50.rows if r.traced.stage in stages) / r50.params

    early, late = ("stem", "layer1", "layer2"), ("layer4", "head")
    macs = r50.macs_conv_linear
    return f"""# resnet-inspect

See exactly what a ResNet does at a given input size: every layer's output shape, where the parameters
live, where the multiply-adds go, each number computed twice (by the arithmetic and by the real PyTorch
model through forward hooks, counted by fvcore's rules) and shown only when the two agree.

*Generated by `python docs/generate.py`; do not edit by hand.*

## Where the compute and the parameters sit

In ResNet-50 at 224×224, {r50.headline}. The stem, layer1 and layer2 do {share(early, "macs"):.0%} of the {macs:,}
multiply-adds with {share(early, "params"):.0%} of the parameters; layer4 and the classifier hold
{share(late, "params"):.0%} of the {r50.params:,} parameters and do {share(late, "macs"):.0%} of the
multiply-adds. The early layers run at high resolution with few channels; the late ones at 7×7 with many.

![{FIGURES["resnet50_stages.png"]}](figures/resnet50_stages.png)

{tables["tables/resnet50_stages.md"]}
Layer by layer (ResNet-152, {r152.macs_conv_linear / 1e9:.2f} GMACs, {r152.params:,} parameters): every conv's MACs
are roughly equal within a stage, while a conv's parameters grow fourfold from stage to stage; with 36 blocks
in layer3, {r152.headline}. Every title and summary sentence the tool writes is computed from the shares
like these, never fixed.

![{FIGURES["resnet152_layers.png"]}](figures/resnet152_layers.png)

## The architecture, drawn from the plan

`resnet-inspect plot diagram` draws any config as the paper's Figure 3: the stem, each stage's first block and
the run of identical blocks after it ("×5"), the head, and on every edge the tensor's shape at the chosen input
size. Shortcuts are drawn as in the paper: solid for the identity, dotted for a projection; option A's
zero-padding is dashed with a square, ResNet-D's avg-down dash-dotted with a triangle. Nothing is hard-coded:
the boxes, counts and shapes come from the same plan and trace as the tables.

![{FIGURES["resnet50_diagram.png"]}](figures/resnet50_diagram.png)
![{FIGURES["resnet110_diagram.png"]}](figures/resnet110_diagram.png)

`resnet-inspect plot block` draws blocks op by op, as the paper's Figure 5 (a basic block beside a bottleneck),
or any config's blocks with `--arch NAME --stage layerN`: every conv with its kernel and channels, BN, ReLU,
squeeze-and-excitation, the add and the shortcut, in the order the network runs them (pre-activation nets:
BN and ReLU first).

![{FIGURES["blocks_figure5.png"]}](figures/blocks_figure5.png)
![{FIGURES["seresnet50_layer3_blocks.png"]}](figures/seresnet50_layer3_blocks.png)

Every figure is written as PNG, SVG (text kept as text) or PDF by the `--output` suffix, sized with
`--figsize W,H` (inches) or `--figsize column` (3.5 in wide) or `--figsize slide` (10×5.6 in).

## The five depths

![{FIGURES["depths.png"]}](figures/depths.png)

The per-stage numbers: [tables/depths.md](tables/depths.md). The paper's Table 1, computed:
[tables/paper_table1.md](tables/paper_table1.md) (with option B shortcuts for 18/34:
[tables/paper_table1_option_b.md](tables/paper_table1_option_b.md)); the CIFAR-10 nets of Table 6:
[tables/paper_table6_cifar.md](tables/paper_table6_cifar.md).

## Blocks, sizes and shapes

![{FIGURES["blocks.png"]}](figures/blocks.png)

![{FIGURES["resnet50_sweep.png"]}](figures/resnet50_sweep.png)

![{FIGURES["resnet50_shapes.png"]}](figures/resnet50_shapes.png)

## Why time does not follow the MACs

On a GPU the early layers take far more of the time than of the MACs: they move many bytes per
multiply-add. Each conv's arithmetic intensity against an H100's roofline (bf16, batch 256) shows the stem
and layer1 left of the ridge, bound by memory bandwidth. `resnet-inspect profile` measures it
(a measured run: [benchmarks/PROFILE_H100.md](../benchmarks/PROFILE_H100.md)).

![{FIGURES["resnet50_roofline.png"]}](figures/resnet50_roofline.png)

## More

- [How the numbers are computed](arithmetic.md): the output-size formula, MACs against FLOPs, v1 against v1.5.
- [Command-line reference](cli.md).
- [Output formats](formats.md): every JSON, CSV and Markdown record, field by field, with both MAC conventions.
- Every named config with its parameters and MACs: [tables/archs.md](tables/archs.md).
- ResNet-50 block by block: [tables/resnet50_blocks.md](tables/resnet50_blocks.md).
"""


def _arithmetic(r50, v1, blocks) -> str:
    conv = "\n".join(explain(r50, "layer2.0.conv2"))
    pool = "\n".join(explain(r50, "maxpool"))
    bn = "\n".join(explain(r50, "layer2.0.bn2"))
    basic, bottleneck = blocks.designs[0], blocks.designs[1]
    at_225 = analyze(50, 225)
    return f"""# How the numbers are computed

*Generated by `python docs/generate.py`; do not edit by hand.*

## Output sizes

Every convolution and pooling window shrinks a side of I pixels to

    O = floor((I − K + 2P) / S) + 1

for kernel K, padding P and stride S. The tool computes every size in every table with this one formula,
then runs the real model and checks that each layer's output has exactly that shape.
`resnet-inspect explain layer2.0.conv2 --depth 50` writes it out:

```
{conv}
```

The max pool rounds the same way:

```
{pool}
```

Because each of the five halvings rounds up odd sizes, a side one pixel past a multiple of 32 costs more
per pixel: ResNet-50 at 224×224 ends in a 7×7 map and costs {r50.macs_conv_linear:,} MACs; at 225×225 it ends in 8×8
and costs {at_225.macs_conv_linear:,} ({at_225.macs_conv_linear / r50.macs_conv_linear - 1:+.1%}).

## MACs, not FLOPs

A MAC is one multiply-accumulate. The ResNet paper's "FLOPs" and fvcore's "flops" are MACs; tools that
count FLOPs as 2 per multiply-add (torch's `FlopCounterMode`) report twice as many. This tool shows MACs,
and FLOPs = 2 × MACs only when asked (`--flops`), labelled.

There are two totals, both shown and labelled:

- **conv + linear**, the paper's and torchvision's convention: ResNet-50 at 224×224 is {r50.macs_conv_linear:,} MACs
  ({2 * r50.macs_conv_linear:,} FLOPs).
- **all that fvcore counts**, which adds batch norm (2 per element in eval mode) and the global average pool
  (1 per input element): {r50.macs_fvcore:,}.

```
{bn}
```

## v1 and v1.5

The paper's bottleneck puts its stride on the first 1×1 conv (v1); torchvision's puts it on the 3×3 (v1.5).
The parameters are the same; the compute is not, because v1.5's first 1×1 runs at the full resolution:
{v1.macs_conv_linear:,} MACs (v1) against {r50.macs_conv_linear:,} (v1.5) for ResNet-50 at 224×224,
{(r50.macs_conv_linear - v1.macs_conv_linear) // 3:,} more in each of the first blocks of layer2, layer3 and layer4
([tables/v1_vs_v1.5.md](tables/v1_vs_v1.5.md)).

## Basic and bottleneck blocks

At 56×56 a basic block (two 3×3 convs at 64 channels) costs {basic.macs_conv_linear:,} MACs; a bottleneck (1×1 down to
64, 3×3, 1×1 back up to 256) costs {bottleneck.macs_conv_linear:,} while carrying 4× the channels:

    basic − bottleneck: {blocks.difference_formula()}

{records_markdown(_block_rows(blocks))}
## How the check works

1. A frozen spec describes the network; the ops it implies (name, kind, channels, window) are derived from
   it once, and both the arithmetic and the model are built from them.
2. The arithmetic traces every op with the formula above: shapes, parameters, MACs. No torch.
3. The model is a real `nn.Module` with torchvision's names (a torchvision state_dict loads into it).
   Forward hooks record what every leaf module does, on an empty batch (N = 0): every kernel computes its
   output shape, nothing is computed or stored, so it costs the same at any input size.
4. fvcore's own counting rules are applied to the shapes the model reported. The tests hold this count
   equal, layer by layer, to a real `FlopCountAnalysis`, and the totals to torch's `FlopCounterMode`.
"""


def cli_reference(command: Any) -> str:
    """The commands and their options, from the click command the Typer app builds."""
    lines = ["# Command-line reference", "", "*Generated from the Typer app by `python docs/generate.py`.*", ""]
    for name, sub in sorted(command.commands.items()):
        lines += [f"## `resnet-inspect {name}`", "", (sub.help or "").strip().splitlines()[0], ""]
        lines += ["| option | default | help |", "|---|---|---|"]
        for param in sub.params:
            if param.name == "help":
                continue
            opts = " ".join(f"`{o}`" for o in [*param.opts, *getattr(param, "secondary_opts", [])])
            if getattr(param, "param_type_name", "") == "argument":
                opts = f"`{param.name.upper()}`"
            default = param.default
            shown = "" if default is None or default == () or callable(default) else f"`{default}`"
            if isinstance(default, bool):
                shown = "off" if default is False else "on"
            lines.append(f"| {opts} | {shown} | {(getattr(param, 'help', None) or '').replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Regenerate the docs from the tool's own output.")
    parser.add_argument("--out", default=str(Path(__file__).parent), help="the docs folder (default: docs/)")
    out = parser.parse_args().out
    if not out.strip():  # Path("") is the current directory: an empty --out must not write the docs there
        parser.error("--out '' is empty; give the docs folder, like docs/")
    written = generate(Path(out))
    print(f"wrote {len(written)} files")
