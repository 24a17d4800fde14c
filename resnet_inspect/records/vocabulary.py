"""Every record the tool writes, one type per kind of row, each field declared once with what it means.

The commands' JSON documents, CSV and Markdown rows, the library's DataFrames, the notebook tables, the JSON
Schema files and the docs page `docs/formats.md` are all made from these. The same fact has the same name
everywhere:

- a network is `arch`; shapes are lists `[N, C, H, W]` (or `[N, classes]` after the pool); a size `[H, W]`;
- MACs are always named by their convention: `macs_conv_linear` (the paper's and torchvision's: conv and linear
  layers only) and `macs_fvcore` (all that fvcore counts: batch norm 2 per element, average pooling 1 per input
  element, besides conv and linear); shares too (`macs_share_conv_linear`, `macs_share_fvcore`) and rates;
- `verified` is whether two independent readings agreed; `verdict` is what `check` concluded.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from .base import Document, Record, field, record


class Level(StrEnum):
    """The rows of a table: one per layer, or summed per block or per stage."""

    layer = "layer"
    block = "block"
    stage = "stage"


class BlockShortcut(StrEnum):
    """How a block's input reaches its residual add (the network-wide option A/B/C/avgdown is a spec knob)."""

    identity = "identity"
    projection = "projection"  # a 1×1 conv (+ norm), strided where the shape changes
    zero_pad = "zero-pad"  # option A: subsample and zero-pad the channels, no parameters
    avgdown = "avgdown"  # ResNet-D: a 2×2 average pool, then the 1×1 conv
    conv = "conv"  # a shortcut conv that is not 1×1
    other = "other"  # anything else (no rule names it)


MACS_NOTE = (
    "MACs are multiply-accumulates (the paper's and fvcore's 'FLOPs'). At every level (layer, block, stage, "
    "totals) 'macs_conv_linear' is the paper's and torchvision's count (conv and linear layers only) and "
    "'macs_fvcore' all that fvcore counts (batch norm as 2 per element in eval mode, average pooling as 1 per "
    "input element, besides conv and linear); shares are named the same way. With --flops, 'flops_conv_linear' "
    "and 'flops_fvcore' = 2 × MACs are added."
)
MACS_CL = "conv + linear MACs (the paper's and torchvision's count)"
MACS_FV = "all the MACs fvcore counts (conv and linear, batch norm 2 per element, average pooling)"
FLOPS = "2 × the MACs of the same convention"
VERIFIED = "true when the formula, the hooked model and fvcore agree on every layer in it"
WITH_FLOPS = "with --flops (flops=True)"
WITH_MEMORY = "with --memory"

Shape = list[int]
Pair = list[int]


def _share(what: str) -> str:
    return f"its share of the network's {what}, 0–1"


# ----------------------------------------------------------------------------------------------- table


@record("table.layer", "`table --format json` (`layers`), `table --format csv` at --level layer")
class LayerRecord(Record):
    name: str = field(
        "the module that computes it (`layer2.0.conv2`); with --model, its op too when a module runs several"
    )
    stage: str | None = field("stem, layer1…layerN or head (null with --model for a network that is not ResNet-like)")
    block: str | None = field("the residual block (`layer2.0`), or the stage for stem and head (null as stage is)")
    kind: str = field(
        "the op kind: conv, bn, relu, maxpool, avgpool, add, linear, … (with --model: what the capture calls it)"
    )
    op: str = field("the op in words: `conv 3×3 /2 p1`")
    kernel: Pair | None = field("[kh, kw] (null for ops without a window)")
    stride: Pair | None = field("[sh, sw] (null for ops without a window)")
    padding: Pair | None = field("[ph, pw] (null for ops without a window)")
    dilation: Pair | None = field("[dh, dw] (null for ops without a window)")
    groups: int = field("the conv's groups (1 otherwise)")
    in_shape: Shape = field("the input shape [N, C, H, W]")
    out_shape: Shape = field("the output shape [N, C, H, W], or [N, classes] after the pool")
    out_elements: int = field("the number of values in the output")
    out_size_expr: list[str] | None = field(
        "its output size per axis as a closed form in H and W "
        '(`["ceil(H/32)", "ceil(W/32)"]`; empty for a 2-D output; null '
        "without closed forms)"
    )
    params: int = field("parameters (with --model: those this op reads first; a shared one counts once)")
    params_share: float = field(_share("parameters"))
    macs_conv_linear: int = field(MACS_CL + ": 0 for every other op")
    macs_share_conv_linear: float = field(_share("conv + linear MACs"))
    macs_fvcore: int | None = field(MACS_FV + " (null with --model for an op of a kind with no counting rule)")
    macs_share_fvcore: float | None = field(_share("fvcore MACs") + " (null as macs_fvcore is)")
    flops_conv_linear: int | None = field(FLOPS, when=WITH_FLOPS)
    flops_fvcore: int | None = field(FLOPS, when=WITH_FLOPS)
    verified: bool = field(VERIFIED + " (with --model: the formula agrees with the model's output size)")
    receptive_field: Pair | None = field(
        "[h, w]: the input pixels one output value sees, through every path (null where an op's field is unknown)"
    )
    jump: Pair | None = field("[h, w]: input pixels between neighbouring output values")
    rf_start: list[float] | None = field("[h, w]: the input coordinate the first output value's field is centred on")
    rf_global: bool | None = field(
        "true after a global pool or SE gate: every output sees the whole image at any "
        "size; the numbers are then its convolutional path's"
    )
    weight_bytes: int | None = field("bytes of its parameters", when=WITH_MEMORY)
    input_bytes: int | None = field("bytes it reads", when=WITH_MEMORY)
    output_bytes: int | None = field("bytes it writes", when=WITH_MEMORY)
    bytes_moved: int | None = field("weights + inputs read + output written, at the memory dtype", when=WITH_MEMORY)
    macs_conv_linear_per_byte: float | None = field(
        "conv + linear MACs per byte moved (arithmetic intensity)", when=WITH_MEMORY
    )
    model_out_shape: Shape | None = field("the shape the model produced", when="when not verified")
    problems: list[str] | None = field("what disagrees, in words", when="when not verified")


@record(
    "table.group",
    "`table --format json` (`blocks`, `stages`), `table --format csv` at --level block|stage, "
    "`compare` (each network's `stages`)",
)
class GroupRecord(Record):
    name: str = field("the block (`layer2.0`) or stage (`layer2`); stem and head count as one of each")
    stage: str = field("the stage it belongs to")
    op: str = field("what it is, in words (`bottleneck 1×1·3×3·1×1 /2 +proj`, `4 × bottleneck`)")
    in_shape: Shape = field("its input shape [N, C, H, W]")
    out_shape: Shape = field("its output shape")
    params: int = field("parameters")
    params_share: float = field(_share("parameters"))
    macs_conv_linear: int = field(MACS_CL)
    macs_share_conv_linear: float = field(_share("conv + linear MACs"))
    macs_fvcore: int = field(MACS_FV)
    macs_share_fvcore: float = field(_share("fvcore MACs"))
    flops_conv_linear: int | None = field(FLOPS, when=WITH_FLOPS)
    flops_fvcore: int | None = field(FLOPS, when=WITH_FLOPS)
    verified: bool = field(VERIFIED)
    receptive_field: Pair | None = field("[h, w]: the input pixels its output sees, through every path")
    jump: Pair | None = field("[h, w]: input pixels between neighbouring output values")
    rf_start: list[float] | None = field("[h, w]: the input coordinate its first output value's field is centred on")
    rf_global: bool | None = field("true after a global pool or SE gate (see table.layer)")
    out_size_expr: list[str] | None = field(
        "its output size per axis as a closed form in H and W (its last layer's; null without closed forms)"
    )
    bytes_moved: int | None = field("bytes its layers read and write, weights included", when=WITH_MEMORY)
    macs_conv_linear_per_byte: float | None = field("conv + linear MACs per byte moved", when=WITH_MEMORY)


@record("table.totals", "`table --format json` (`totals`), `compare` (each network's `totals`)")
class TotalsRecord(Record):
    params: int = field("parameters the rows add up to: by the formula (with --model: those the forward read)")
    model_params: int = field("every parameter of the model, counted by torch")
    trainable_params: int = field("the model's parameters with requires_grad on")
    frozen_params: int = field("the model's parameters with requires_grad off (0 for a model built from the spec)")
    macs_conv_linear: int = field(MACS_CL)
    macs_fvcore: int = field(MACS_FV + " (with --model: of the ops it has a rule for)")
    flops_conv_linear: int | None = field(FLOPS, when=WITH_FLOPS)
    flops_fvcore: int | None = field(FLOPS, when=WITH_FLOPS)
    verified: bool = field(VERIFIED)


@record("table.cross_check", "`table --cross-check --format json` (`cross_check`)")
class CrossCheckRecord(Record):
    path: str = field("the independent counter, in words")
    convention: str = field("which MACs it counts: conv_linear (torch's FlopCounterMode) or fvcore (FlopCountAnalysis)")
    reported: int = field("the analysis's total MACs in that convention")
    counted: int | None = field("the counter's total MACs in that convention (null when skipped)")
    verified: bool = field(
        "true when the two agree (and, for a per-layer counter, every layer does); true when skipped"
    )
    note: str = field("what was counted or why it was skipped")


@record("table.memory", "`table --memory --format json` (`memory`)")
class MemoryRecord(Record):
    dtype: str = field("the dtype the bytes are for")
    peak_inference_bytes: int = field("the largest set of activations alive at once in inference")
    peak_during: str = field("the layer during which the peak is reached")
    training_storage_bytes: int = field("what autograd keeps for a training step's backward pass")


@record("table.proof", "`table --symbolic --format json` (`symbolic_proof`), `table --verify-rf` (`rf_proof`)")
class ProofRecord(Record):
    verified: bool = field("true when the proof found nothing wrong")
    method: str = field("how it was proven, in words")
    summary: list[str] = field("what it found, line by line")


@record("table", "`table --format json` and `table --model --format json`: the whole analysis")
class TableDocument(Document):
    arch: str = field("the network's name, with any knobs changed; with --model, the model as given (`file.py:fn`)")
    input: Shape = field("the input shape [N, C, H, W]")
    spec: dict[str, Any] | None = field("every field of the network's spec (null with --model)")
    units: str = field("the units and conventions, in words")
    layers: list[LayerRecord] = field("one record per layer (with --model: per op), in execution order")
    blocks: list[GroupRecord] = field(
        "one record per block (stem and head count as one each); empty with --model "
        "for a network that is not ResNet-like"
    )
    stages: list[GroupRecord] = field("one record per stage: stem, layer1…layerN, head (empty as blocks is)")
    totals: TotalsRecord = field("the totals")
    problems: list[str] = field("every disagreement between the formula and the model, in words (empty when verified)")
    verified_by: str | None = field(
        "what verified every layer: the hooked model, or a cached proof of it (torch's version, the day; --no-cache "
        "to recheck)",
        when="for a named network (not --model)",
    )
    cross_check: list[CrossCheckRecord] | None = field(
        "the totals counted again by torch's FlopCounterMode and fvcore's FlopCountAnalysis", when="with --cross-check"
    )
    memory: MemoryRecord | None = field("peak and training activations", when=WITH_MEMORY)
    symbolic_proof: ProofRecord | None = field(
        "the closed forms proven equal to PyTorch's symbolic shapes at every input size", when="with --symbolic"
    )
    rf_proof: ProofRecord | None = field(
        "the receptive fields proven on the model by gradients", when="with --verify-rf"
    )
    run: str | None = field("how the model was run", when="with --model")
    dtype: str | None = field("the model's dtype", when="with --model")
    resnet_like: bool | None = field(
        "true when a residual structure was recovered (rows grouped into stem, stages and head)", when="with --model"
    )
    params_read_by_the_forward: int | None = field("parameters some op of the forward read", when="with --model")
    not_counted: list[str] | None = field(
        "ops of a kind with no counting rule, by name (`native_group_norm in "
        "layer1.0.bn1`): listed, never counted as 0 in silence",
        when="with --model",
    )


# ------------------------------------------------------------------------------------------ the catalog


@record("archs.config", "`archs --format json` (`configs`), `archs --format csv`")
class CatalogRecord(Record):
    arch: str = field("the config's name")
    description: str = field("what it is, in words")
    design: str = field("what sets it apart, in a line")
    input: Shape = field("the input shape [N, C, H, W] its counts are for")
    params: int = field("parameters")
    macs_conv_linear: int = field(MACS_CL)
    macs_fvcore: int = field(MACS_FV)
    verified: bool = field(VERIFIED)


@record("archs", "`archs --format json`")
class CatalogDocument(Document):
    configs: list[CatalogRecord] = field("one record per named config")


# ------------------------------------------------------------------------------------------- the paper


@record("paper.network", "`paper --format json` (`networks`)")
class PaperNetworkRecord(Record):
    depth: int = field("the depth the column is headed with")
    arch: str = field("the config computed for the column")
    params: int = field("parameters")
    macs_conv_linear: int = field(MACS_CL)
    total: str = field("the table's bottom cell as computed (Table 1: FLOPs ×10⁹; Table 6: params in millions)")


@record("paper.row", "`paper --format json` (`rows`), `paper --format csv`")
class PaperRowRecord(Record):
    name: str = field("the row's layer name (conv1, conv2_x, …)")
    output: str = field("its output size as the paper prints it")
    cells: list[list[str]] = field("per depth, the cell's lines")


@record("paper", "`paper --format json`")
class PaperDocument(Document):
    title: str = field("which table, at which size")
    input: Shape = field("the input shape [N, C, H, W]")
    total_label: str = field("what the bottom row counts: FLOPs (Table 1) or params (Table 6)")
    networks: list[PaperNetworkRecord] = field("one record per column")
    rows: list[PaperRowRecord] = field("one record per row")
    footnotes: list[str] = field("where the computed numbers differ from the printed ones, and why")


# ------------------------------------------------------------------------------------------ block designs


@record("blocks.conv", "`blocks --format json` (`convs`), `blocks --format csv`")
class BlockConvRecord(Record):
    design: str = field("basic, bottleneck, or a ResNeXt block")
    layer: str = field("the conv (`conv2`, `downsample.0`)")
    kernel: Pair = field("[kh, kw]")
    stride: Pair = field("[sh, sw]")
    groups: int = field("its groups")
    in_shape: Shape = field("its input shape [N, C, H, W]")
    out_shape: Shape = field("its output shape")
    params: int = field("parameters")
    macs_conv_linear: int = field(MACS_CL)


@record("blocks.design", "`blocks --format json` (`designs`)")
class BlockDesignRecord(Record):
    design: str = field("basic, bottleneck, or a ResNeXt block")
    in_channels: int = field("input channels")
    out_channels: int = field("output channels")
    conv_params: int = field("parameters of its convs")
    params: int = field("parameters with batch norm")
    macs_conv_linear: int = field(MACS_CL)
    macs_conv_linear_vs_basic: float = field("its conv + linear MACs over the basic block's")
    conv_params_vs_basic: float = field("its conv parameters over the basic block's")
    verified: bool = field(VERIFIED)


@record("blocks", "`blocks --format json`")
class BlocksDocument(Document):
    place: str = field("where the blocks sit, in words")
    size: Pair = field("the blocks' input size [H, W]")
    stride: int = field("1: a repeated block; 2: a stage's first block")
    convs: list[BlockConvRecord] = field("one record per conv of each design")
    designs: list[BlockDesignRecord] = field("one record per design")
    basic_minus_bottleneck: str = field("the MAC difference written out as weights × output positions")


# ----------------------------------------------------------------------------------------- comparisons


@record("compare.network", "`compare --format json` (`networks`)")
class NetworkRecord(Record):
    arch: str = field("the network")
    input: Shape = field("its input shape [N, C, H, W]")
    stages: list[GroupRecord] = field("one record per stage, as `table` writes them")
    totals: TotalsRecord = field("its totals, as `table` writes them")


@record("compare", "`compare --format json` (and csv: one row per network and stage, `arch` first)")
class CompareDocument(Document):
    size: Pair = field("the input size [H, W]")
    networks: list[NetworkRecord] = field("one record per network, in the order asked")


@record("compare.layer_difference", "`compare --diff A B --format json` (`differences`), and csv")
class LayerDifferenceRecord(Record):
    block: str = field("the block it belongs to")
    layer: str = field("the layer")
    a: str = field("the layer in A, in words (`conv 1×1 /2, out 128×28×28`; — where A has none)")
    b: str = field("the layer in B")
    params_delta: int = field("B − A, parameters")
    macs_conv_linear_delta: int = field("B − A, conv + linear MACs")


@record("compare.diff", "`compare --diff A B --format json`")
class DiffDocument(Document):
    a: str = field("network A")
    b: str = field("network B")
    size: Pair = field("the input size [H, W]")
    differences: list[LayerDifferenceRecord] = field("one record per layer that differs, block by block")


# --------------------------------------------------------------------------------------------- sweeps


@record("sweep.point", "`sweep --format json` (`points`), `sweep --format csv`")
class SweepPointRecord(Record):
    size: Pair = field("the input size [H, W]")
    batch: int = field("the batch size")
    final_map: Pair = field("the last feature map [h, w]")
    params: int = field("parameters")
    macs_conv_linear: int = field(MACS_CL + ", for the batch")
    macs_fvcore: int = field(MACS_FV + ", for the batch")
    macs_conv_linear_per_pixel: float = field("conv + linear MACs per input pixel, per image")
    activation_bytes: int = field(
        "bytes of every layer output that allocates a tensor, for the batch, at the document's dtype"
    )
    activation_bytes_per_sample: int = field("the same, per image")
    jump: bool = field("true when MACs per pixel rose more than 5% over the previous size at this batch")
    jump_cause: str | None = field(
        "which rounding made the jump, in words (null without a jump, or without closed forms)"
    )
    verified: bool = field("true when the closed forms and count rules agree with the hooked model wherever it ran")


@record("sweep", "`sweep --format json`")
class SweepDocument(Document):
    arch: str = field("the network")
    dtype: str = field("the dtype of the activation bytes")
    verified_by: str = field("how the points were verified")
    points: list[SweepPointRecord] = field("one record per size and batch, size by size")


# ----------------------------------------------------------------------------------------------- check


class Verdict(StrEnum):
    """What `check` concluded."""

    matches = "matches"  # the same network as the reference
    differs = "differs"  # a ResNet that departs from the reference (each way a `DifferenceKind`)
    not_a_resnet = "not_a_resnet"  # no residual add (a model), or no ResNet state_dict (a checkpoint)
    unproven = "unproven"  # the structures agree, but the two networks could not be run to prove the same function
    recognised = "recognised"  # a checkpoint held against nothing that loads strictly into a config


class DifferenceKind(StrEnum):
    """How a model departs from the reference, in the order a reader meets them."""

    residual = "residual"
    shortcut = "shortcut"
    stem = "stem"
    maxpool = "maxpool"
    blocks = "blocks"
    block_type = "block_type"
    width = "width"
    groups = "groups"
    stride = "stride"
    activation = "activation"
    norm = "norm"
    order = "order"
    dilation = "dilation"
    attention = "attention"
    head = "head"
    input = "input"
    bias = "bias"
    function = "function"  # the same structure, yet not the same outputs with the same weights


@record("check.difference", "`check MODEL --format json` (`differences`)")
class DifferenceRecord(Record):
    kind: DifferenceKind = field("what differs")
    places: list[str] = field("every place it differs (`stem`, `layer2.0`, `head`, `model`), in order")
    yours: str = field("your model there, in words")
    reference: str = field("the reference there, in words")
    message: str = field("the difference in one sentence, at its first place")


@record("check.stage", "`check MODEL --format json` (`stages`), `check MODEL --format csv`")
class CheckStageRecord(Record):
    stage: str = field("stem, layer1…layerN, head")
    reference_out_shape: Shape = field("the reference's output shape [N, C, H, W] (empty where it has no such stage)")
    your_out_shape: Shape = field("your model's")
    reference_params: int = field("the reference's parameters")
    your_params: int = field("your model's")
    reference_macs_conv_linear: int = field("the reference's conv + linear MACs")
    your_macs_conv_linear: int = field("your model's conv + linear MACs")
    same: bool = field("true when shape, parameters and MACs agree")


@record("check", "`check MODEL --format json`")
class CheckDocument(Document):
    target: str = field("what was checked")
    arch: str = field("the reference config it was held against")
    verdict: Verdict = field(
        "matches, differs, not_a_resnet, or unproven (the structures agree; the function check could not run)"
    )
    equals: str | None = field(
        "a config (`--arch` string) that builds the same network, when it is not the reference (or null)"
    )
    run: str = field("how the model was run")
    notes: list[str] = field("what was chosen for you: the reference (no --arch given), the size (no --size)")
    proof: dict[str, Any] | None = field(
        "the function check, where the structures agree: ops paired, tensors carried from your model into the "
        "reference, the dtype, the largest output difference relative to the output's scale, whether it holds, "
        "why not, and notes (null where the structures differ)"
    )
    differences: list[DifferenceRecord] = field("where and how it departs, one record per kind")
    closest: dict[str, Any] | None = field(
        "where no config builds it exactly (`equals` null): the config with the fewest differences (`arch`), "
        "those differences, and how many candidates were tried; null otherwise"
    )
    structure: dict[str, Any] = field("your model's structure as the check captured it")
    shortcut_runs_first_in: list[str] = field("blocks whose shortcut runs before the main path (the same network)")
    relu_calls_seen: int = field("ReLU calls seen")
    unrecognised_modules: list[str] = field("ops with parameters of no known kind, not compared")
    stages: list[CheckStageRecord] = field("one record per stage, yours beside the reference")


@record("check.checkpoint", "`check CHECKPOINT --format json|csv`")
class CheckpointDocument(Document):
    target: str = field("the checkpoint")
    verdict: Verdict = field(
        "matches (the reference's architecture), recognised (no reference: a config it loads "
        "into strictly), differs, or not_a_resnet"
    )
    arch: str | None = field("the reference config (null when none was given)")
    inferred: dict[str, Any] | None = field("the spec inferred from its keys and shapes (null when none)")
    recognised_as: str | None = field("the named config it equals (or null)")
    notes: list[str] = field("what was unwrapped, and what the weights cannot say")
    checked_by: str = field("what the check read: names and shapes")
    problems: list[str] = field("keys that fit no config, a failed strict load, a difference from the reference")


# ---------------------------------------------------------------------------------------------- profile


@record("profile.stage", "`profile --format json` (`stages`), `profile --format csv`")
class ProfileStageRecord(Record):
    stage: str = field("stem, layer1…layerN, head")
    median_ms: float = field("median time, ms")
    min_ms: float = field("fastest pass, ms")
    max_ms: float = field("slowest pass, ms")
    time_share: float = field("its share of the segments' time, 0–1")
    macs_conv_linear: int = field(MACS_CL)
    macs_share_conv_linear: float = field("its share of the conv + linear MACs, 0–1")
    gmacs_conv_linear_per_s: float = field("conv + linear GMACs per second")


@record("profile.block", "`profile --format json` (`blocks`), `profile --level block --format csv`")
class ProfileBlockRecord(Record):
    block: str = field("the block")
    stage: str = field("its stage")
    median_ms: float = field("median time, ms")
    min_ms: float = field("fastest pass, ms")
    max_ms: float = field("slowest pass, ms")
    macs_conv_linear: int = field(MACS_CL)
    gmacs_conv_linear_per_s: float = field("conv + linear GMACs per second")


@record("profile", "`profile --format json`")
class ProfileDocument(Document):
    arch: str = field("the network")
    input: Shape = field("the input shape [N, C, H, W]")
    device: str = field("where it ran")
    dtype: str = field("the dtype it ran in")
    channels_last: bool = field("true with --channels-last")
    compiled: bool = field("true with --compile")
    warmup: int = field("untimed passes run first")
    repeats: int = field("timed passes: medians and spreads are over these")
    max_seconds: float | None = field(
        "the bound the run was held to: its estimate fit, before it started and after its first forward (null: none)"
    )
    whole_model_ms: float = field("median time of the whole model, ms")
    segments_ms: float = field("the stage segments' medians, summed")
    gmacs_conv_linear_per_s: float = field("conv + linear GMACs per second, the whole model")
    peak_activation_bytes_measured: int | None = field("torch.cuda.max_memory_allocated (null off CUDA)")
    peak_activation_bytes_analytic: int = field("activations alive at once by the analysis")
    headline: str = field("where time and MACs disagree most, in words")
    stages: list[ProfileStageRecord] = field("one record per stage")
    blocks: list[ProfileBlockRecord] = field("one record per block")


# ---------------------------------------------------------------------------------------------- explain


@record("explain", "`explain LAYER --format json`")
class ExplainDocument(Document):
    arch: str = field("the network")
    input: Shape = field("the input shape [N, C, H, W]")
    layer: LayerRecord = field("the layer, as `table` writes it")
    lines: list[str] = field("its arithmetic with the numbers put in, line by line")


DOCUMENTS: tuple[type[Document], ...] = (
    TableDocument,
    CatalogDocument,
    PaperDocument,
    BlocksDocument,
    CompareDocument,
    DiffDocument,
    SweepDocument,
    CheckDocument,
    CheckpointDocument,
    ProfileDocument,
    ExplainDocument,
)
