"""The commands: each parses its options, makes one library call, and hands the result to `present`."""

from __future__ import annotations

from typing import Annotated

import typer

from ..core.budget import MAX_SECONDS
from ..core.errors import InspectError
from ..core.spec import ResNetSpec
from ..records.vocabulary import Level
from .options import Arch, Batch, Depth, DType, FormatOption, Output, Size, network, network_options, refuse_idle
from .output import prepare_output, present, progress

LevelOption = Annotated[Level, typer.Option(help="One row per layer, block or stage.")]
Flag = lambda name, text: Annotated[bool, typer.Option(f"--{name}", help=text)]  # noqa: E731


@network_options
def table(
    spec: ResNetSpec,
    size: Size = None,
    batch: Batch = 1,
    level: LevelOption = Level.layer,
    fmt: FormatOption = None,
    output: Output = None,
    flops: Flag("flops", "Show FLOPs = 2 × MACs instead of MACs.") = False,
    memory: Flag("memory", "Bytes moved and MACs per byte per row; peak and training activations.") = False,
    dtype: DType = "float32",
    cross_check: Flag(
        "cross-check",
        "Count the totals again with torch's FlopCounterMode and (up to 1024×1024) "
        "fvcore's FlopCountAnalysis on a real forward.",
    ) = False,
    rf: Flag("rf", "Receptive field, jump and first centre of each row's output (pixels).") = False,
    verify_rf: Flag(
        "verify-rf",
        "Prove the receptive fields on the real model: the gradient support of block "
        "outputs' centre units on a linearized narrow copy (seconds).",
    ) = False,
    model: Annotated[
        str | None, typer.Option(help="Any model instead: path/to/file.py:factory or package.module:factory.")
    ] = None,
    kwargs: Annotated[str | None, typer.Option(help="JSON keyword arguments for the --model factory.")] = None,
    symbolic: Flag(
        "symbolic",
        "A column with each row's output size as a closed form in H and W, proven equal to "
        "PyTorch's own symbolic shapes at every input size.",
    ) = False,
    no_cache: Flag(
        "no-cache",
        "Verify against the hooked model again rather than read its cached proof (RESNET_INSPECT_CACHE=off "
        "turns the cache off).",
    ) = False,
) -> None:
    """Layer-by-layer shapes, parameters and MACs of a ResNet at one input size, verified against the model."""
    from ..capture.load import load_factory
    from ..features.table import table as run
    from ..views import formats, terminal

    fmt = prepare_output(fmt, output)
    loaded = load_factory(model, kwargs) if model is not None else None
    result = run(
        spec,
        size,
        batch=batch,
        level=level,
        flops=flops,
        memory=dtype if memory else None,
        cross_check=cross_check,
        symbolic=symbolic,
        verify_rf=verify_rf,
        fields=rf,
        model=loaded,
        model_name=model,
        cache=not no_cache,
    )
    markdown = (
        None
        if result.of_model
        else (
            lambda: formats.to_markdown(
                result.analysis, level, flops=flops, memory=result.memory, symbolic=result.closed_forms
            )
        )
    )
    present(
        result,
        fmt,
        output,
        terminal.table_result_view,
        markdown=markdown,
        beside=tuple(check.line() for check in result.cross_checks),
    )


def archs(size: Size = None, fmt: FormatOption = None, output: Output = None) -> None:
    """Every named config, with its parameters and MACs at its own size (or one size), each verified."""
    from ..core.configs import REGISTRY
    from ..core.spec import parse_size
    from ..features.catalog import catalog_at
    from ..views import formats, terminal

    fmt = prepare_output(fmt, output)
    with progress(len(REGISTRY), minimum=1, label="verifying every named config") as advance:
        result = catalog_at(parse_size(size) if size is not None else None, progress=advance)
    present(
        result,
        fmt,
        output,
        lambda r: terminal.catalog_table(r.entries),
        markdown=lambda: formats.catalog_markdown(result.entries),
    )


def paper(
    size: Size = None,
    cifar: Flag("cifar", "The CIFAR-10 nets of Table 6 instead of Table 1.") = False,
    stride_in: Annotated[str, typer.Option(help="v1 (the paper: stride on the first 1×1) or v1.5.")] = "v1",
    shortcut: Annotated[
        str, typer.Option(help="Table 1's option for the 18/34 columns: A (the paper's FLOPs), B or C.")
    ] = "A",
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """The paper's Table 1 (or its CIFAR Table 6), computed: output sizes, blocks, FLOPs and parameters."""
    from ..api import paper as run
    from ..views import formats, terminal

    if cifar and (stride_in, shortcut) != ("v1", "A"):  # Table 6's nets have basic blocks and option A only
        raise InspectError(
            "--stride-in and --shortcut apply to Table 1; Table 6 (--cifar) is the paper's option A "
            "nets, which have no bottleneck: for others use table --arch resnet56:shortcut=B"
        )
    fmt = prepare_output(fmt, output)
    result = run(size, cifar=cifar, stride_in=stride_in, shortcut=shortcut)
    present(
        result,
        fmt,
        output,
        terminal.paper_view,
        markdown=lambda: formats.paper_markdown(result),
        csv=lambda: formats.paper_csv(result),
    )


@network_options
def explain(
    layer: Annotated[str, typer.Argument(help="A layer name from the table, like layer2.0.conv2.")],
    spec: ResNetSpec,
    size: Size = None,
    batch: Batch = 1,
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """One layer's arithmetic with the numbers put in: output size, parameters, MACs, and fvcore's count."""
    from ..api import explain as run

    fmt = prepare_output(fmt, output)
    result = run(spec, layer, size, batch=batch)
    present(result, fmt, output, lambda r: "\n".join(r.lines), markdown=result.markdown)


def blocks(
    channels: Annotated[int, typer.Option(help="Stage width: the basic block's channels, the bottleneck's 3×3.")] = 64,
    size: Annotated[str, typer.Option(help="The block's input size: 56, or HxW.")] = "56",
    stride: Annotated[int, typer.Option(help="1: a repeated block; 2: a stage's first block.")] = 1,
    groups: Annotated[int | None, typer.Option(help="Add a ResNeXt block with this many groups (default 32).")] = None,
    width_per_group: Annotated[int | None, typer.Option(help="The ResNeXt block's width per group (4).")] = None,
    depth: Depth = None,
    arch: Arch = None,
    stage: Annotated[str | None, typer.Option(help="layer1..layerN of --depth/--arch: its width and size.")] = None,
    input_size: Annotated[str, typer.Option(help="The network's input size, with --depth/--arch.")] = "224",
    batch: Batch = 1,
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """Basic against bottleneck (and ResNeXt) blocks at one place, conv by conv, with the arithmetic shown."""
    from ..core.spec import parse_size
    from ..features.blocks import compare_blocks
    from ..records.serialize import records_csv, records_markdown
    from ..views import terminal

    refuse_idle(blocks, locals())
    fmt = prepare_output(fmt, output)
    source = network(depth, arch) if depth is not None or arch is not None else None
    result = compare_blocks(
        channels,
        parse_size(size),
        stride=stride,
        groups=groups,
        width_per_group=width_per_group,
        depth=source,
        stage=stage,
        input_size=parse_size(input_size),
        batch=batch,
    )
    present(
        result,
        fmt,
        output,
        terminal.blocks_view,
        csv=lambda: records_csv(result.convs()),
        markdown=lambda: (
            records_markdown(result.convs())
            + "\n"
            + records_markdown(result.records())
            + f"\nbasic − bottleneck: {result.difference_formula()} MACs\n"
        ),
    )


def compare(
    depths: Annotated[str | None, typer.Option(help="Paper depths side by side, like 18,34,50,101,152.")] = None,
    archs: Annotated[str | None, typer.Option(help="Named configs side by side: resnet50,resnet50d.")] = None,
    diff: Annotated[tuple[str, str] | None, typer.Option(help="Two configs, block by block.")] = None,
    size: Size = None,
    batch: Batch = 1,
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """Networks stage by stage (params and MACs and their shares), or two configs block by block (--diff)."""
    from ..features.compare import compare_names
    from ..views import terminal

    refuse_idle(compare, locals())
    fmt = prepare_output(fmt, output)
    result = compare_names(
        archs or depths or "18,34,50,101,152", size, batch=batch, diff=diff, label="--archs" if archs else "--depths"
    )
    present(result, fmt, output, terminal.comparison_view)


@network_options
def sweep(
    spec: ResNetSpec,
    sizes: Annotated[str, typer.Option(help="start:stop:step (stop included), or a list: 224,480x640.")] = "32:1024:32",
    batch: Annotated[str, typer.Option(help="Batch size, or a list to sweep activation memory: 1,8,64.")] = "1",
    dtype: DType = "float32",
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """One network over many input sizes: final feature map, MACs, MACs per pixel, activation memory."""
    from ..core.spec import parse_ints
    from ..features.sweep import parse_sizes
    from ..features.sweep import sweep as run
    from ..views import terminal

    fmt = prepare_output(fmt, output)
    size_list = parse_sizes(sizes)
    with progress(len(size_list)) as advance:
        result = run(spec, size_list, batches=parse_ints("batch", batch, "1,8,32"), dtype=dtype, progress=advance)
    present(result, fmt, output, terminal.sweep_view)


@network_options
def profile(
    spec: ResNetSpec,
    size: Size = None,
    batch: Batch = 1,
    device: Annotated[str, typer.Option(help="cpu, cuda, or auto (CUDA when present).")] = "auto",
    dtype: Annotated[str, typer.Option(help="float32, float16 or bfloat16.")] = "float32",
    channels_last: Flag("channels-last", "NHWC memory format.") = False,
    warmup: Annotated[int, typer.Option(help="Untimed passes first (GPU clocks and caches settle).")] = 10,
    repeats: Annotated[int, typer.Option(help="Timed passes; medians and spreads are over these.")] = 10,
    compile: Flag("compile", "Time torch.compile'd segments instead.") = False,
    max_seconds: Annotated[
        float, typer.Option(help="Refuse a run estimated to take longer (measured rate × passes × MACs).")
    ] = MAX_SECONDS,
    level: Annotated[Level, typer.Option(help="stage or block rows (layer: as block).")] = Level.stage,
    fmt: FormatOption = None,
    output: Output = None,
) -> None:
    """Time the real model per stage and per block; time shares against MAC shares, and GMAC/s."""
    from ..api import profile as run
    from ..records.serialize import records_csv, records_markdown
    from ..views import terminal

    fmt = prepare_output(fmt, output)
    rows = "stage" if level is Level.stage else "block"
    with progress(warmup + repeats, minimum=1, label=f"timing {spec.name}") as advance:
        result = run(
            spec,
            size,
            device=device,
            batch=batch,
            dtype=dtype,
            channels_last=channels_last,
            warmup=warmup,
            repeats=repeats,
            compile=compile,
            max_seconds=max_seconds,
            progress=advance,
        )
    present(
        result,
        fmt,
        output,
        lambda r: terminal.profile_view(r, level),
        csv=lambda: records_csv(result.records(rows)),
        markdown=lambda: records_markdown(result.records(rows)),
    )


def check(
    target: Annotated[
        str, typer.Argument(help="path/to/file.py:factory or package.module:factory (a model), or a checkpoint.")
    ],
    depth: Depth = None,
    arch: Arch = None,
    size: Size = None,
    kwargs: Annotated[str | None, typer.Option(help="JSON keyword arguments for the factory.")] = None,
    fmt: FormatOption = None,
    output: Output = None,
    debug: Flag("debug", "Show the traceback when loading fails.") = False,
) -> None:
    """Hold your ResNet implementation (or a checkpoint) against a reference config, and say where it departs."""
    from ..features.check import check as run
    from ..views import formats, terminal

    refuse_idle(check, locals())
    fmt = prepare_output(fmt, output)
    result = run(target, network(depth, arch) if (depth or arch) else None, size, kwargs=kwargs)
    present(result, fmt, output, terminal.check_result_view, markdown=lambda: formats.check_markdown(result.to_dict()))


COMMANDS = (table, archs, paper, explain, blocks, compare, sweep, profile, check)
