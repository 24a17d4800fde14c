"""One schema per kind of record the tool writes (JSON, and the same records as CSV, Markdown and DataFrames).

Each kind lists its fields, what each means and, for a field that is not always there, when it is. The docs
page `docs/formats.md` is generated from these, and a test holds every record the commands write to them: a
field added to a record without a line here fails it.

MACs are named by their convention wherever they appear: `macs_conv_linear` (the paper's and torchvision's
count: conv and linear layers only) and `macs_fvcore` (all that fvcore counts: batch norm as 2 per element,
average pooling as 1 per input element, besides conv and linear). `<dtype>` in a name stands for the dtype
asked for (`float32`, `bfloat16`, …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    meaning: str
    when: str = ""  # empty: always present


@dataclass(frozen=True)
class Schema:
    kind: str
    where: str  # the commands and places that write it
    fields: tuple[Field, ...]

    def names(self) -> set[str]:
        return {f.name for f in self.fields}

    def required(self) -> set[str]:
        return {f.name for f in self.fields if not f.when}

    def unknown(self, record: dict) -> list[str]:
        """The keys of `record` this schema does not describe (`<dtype>` matches any dtype)."""
        patterns = [_pattern(name) for name in self.names()]
        return [key for key in record if not any(p.match(key) for p in patterns)]

    def missing(self, record: dict) -> list[str]:
        """The fields always present that `record` lacks."""
        return [name for name in self.required() if not any(_pattern(name).match(key) for key in record)]


def _pattern(name: str) -> re.Pattern:
    return re.compile("^" + re.escape(name).replace(re.escape("<dtype>"), "[a-z0-9]+") + "$")


MACS_CL = "conv + linear MACs (the paper's and torchvision's count)"
MACS_FV = "all the MACs fvcore counts (conv and linear, batch norm 2 per element, average pooling)"
FLOPS = "with --flops: 2 × the MACs of the same convention"
VERIFIED = "true when the formula, the hooked model and fvcore agree on every layer in it"

SCHEMAS: tuple[Schema, ...] = (
    Schema("table", "`table --format json`: the whole analysis", (
        Field("arch", "the network's name, with any knobs changed"),
        Field("input", "the input shape [N, C, H, W]"),
        Field("spec", "every field of the network's spec"),
        Field("units", "the units and conventions, in words"),
        Field("layers", "one `table.layer` record per layer, in execution order"),
        Field("blocks", "one `table.group` record per block (stem and head count as one each)"),
        Field("stages", "one `table.group` record per stage: stem, layer1…layerN, head"),
        Field("totals", "the `table.totals` record"),
        Field("problems", "every disagreement between the formula and the model, in words (empty when verified)"),
        Field("cross_check", "the totals counted again by torch's FlopCounterMode and fvcore's FlopCountAnalysis",
              "with --cross-check"),
        Field("memory", "dtype, peak_inference_bytes, peak_during, training_storage_bytes", "with --memory"),
    )),
    Schema("table.layer", "`table --format json`, `layers`", (
        Field("name", "torchvision's module name (`layer2.0.conv2`)"),
        Field("stage", "stem, layer1…layerN or head"),
        Field("block", "the residual block (`layer2.0`), or the stage for stem and head"),
        Field("kind", "the op kind: conv, bn, relu, maxpool, avgpool, add, linear, …"),
        Field("kernel", "[kh, kw] (null for ops without a window)"),
        Field("stride", "[sh, sw] (null for ops without a window)"),
        Field("padding", "[ph, pw] (null for ops without a window)"),
        Field("dilation", "[dh, dw] (null for ops without a window)"),
        Field("groups", "the conv's groups (1 otherwise)"),
        Field("in_shape", "the input shape [N, C, H, W]"),
        Field("out_shape", "the output shape [N, C, H, W], or [N, classes] after the pool"),
        Field("out_elements", "the number of values in the output"),
        Field("out_size_expr", "its output size per axis as a closed form in H and W (`[\"ceil(H/32)\", "
                               "\"ceil(W/32)\"]`; empty for a 2-D output; null without closed forms)"),
        Field("params", "parameters"),
        Field("macs_conv_linear", MACS_CL + ": 0 for every other op"),
        Field("macs_fvcore", MACS_FV),
        Field("flops_conv_linear", FLOPS, "with --flops"),
        Field("flops_fvcore", FLOPS, "with --flops"),
        Field("verified", VERIFIED),
        Field("receptive_field", "[h, w]: the input pixels one output value sees, through every path"),
        Field("jump", "[h, w]: input pixels between neighbouring output values"),
        Field("rf_start", "[h, w]: the input coordinate the first output value's field is centred on"),
        Field("rf_global", "true after a global pool or SE gate: every output sees the whole image at any size; the "
                                "numbers are then its convolutional path's"),
        Field("weight_bytes", "bytes of its parameters", "with --memory"),
        Field("input_bytes", "bytes it reads", "with --memory"),
        Field("output_bytes", "bytes it writes", "with --memory"),
        Field("macs_per_byte", "conv + linear MACs per byte moved (arithmetic intensity)", "with --memory"),
        Field("model_out_shape", "the shape the model produced", "when not verified"),
        Field("problems", "what disagrees, in words", "when not verified"),
    )),
    Schema("table.group", "`table --format json`, `blocks` and `stages`", (
        Field("name", "the block (`layer2.0`) or stage (`layer2`)"),
        Field("stage", "the stage it belongs to"),
        Field("op", "what it is, in words (`bottleneck 1×1·3×3·1×1 /2 +proj`, `4 × bottleneck`)"),
        Field("in_shape", "its input shape [N, C, H, W]"),
        Field("out_shape", "its output shape"),
        Field("params", "parameters"),
        Field("macs_conv_linear", MACS_CL),
        Field("macs_fvcore", MACS_FV),
        Field("flops_conv_linear", FLOPS, "with --flops"),
        Field("flops_fvcore", FLOPS, "with --flops"),
        Field("verified", VERIFIED),
        Field("receptive_field", "[h, w]: the input pixels its output sees, through every path"),
        Field("jump", "[h, w]: input pixels between neighbouring output values"),
        Field("rf_start", "[h, w]: the input coordinate its first output value's field is centred on"),
        Field("rf_global", "true after a global pool or SE gate: every output sees the whole image at any size; the "
                                "numbers are then its convolutional path's"),
    )),
    Schema("table.totals", "`table --format json`, `totals`", (
        Field("params", "parameters by the formula"),
        Field("model_params", "parameters of the model, counted by torch"),
        Field("trainable_params", "the model's parameters with requires_grad on"),
        Field("frozen_params", "the model's parameters with requires_grad off (0 for a model built from the spec)"),
        Field("macs_conv_linear", MACS_CL),
        Field("macs_fvcore", MACS_FV),
        Field("flops_conv_linear", FLOPS, "with --flops"),
        Field("flops_fvcore", FLOPS, "with --flops"),
        Field("verified", VERIFIED),
    )),
    Schema("table.row", "`table --format csv|markdown`, `to_dataframe`: one flat record per row at --level", (
        Field("name", "the layer, block or stage"),
        Field("stage", "its stage"),
        Field("op", "what it is, in words"),
        Field("in_shape", "its input shape as text, `1×64×56×56`"),
        Field("out_shape", "its output shape as text"),
        Field("out_c", "output channels (or classes)"),
        Field("out_h", "output height (empty after the pool)"),
        Field("out_w", "output width (empty after the pool)"),
        Field("params", "parameters"),
        Field("macs_fvcore", MACS_FV, "without --flops"),
        Field("macs_conv_linear", MACS_CL, "without --flops"),
        Field("flops_fvcore", FLOPS, "with --flops, instead of macs_fvcore"),
        Field("flops_conv_linear", FLOPS, "with --flops, instead of macs_conv_linear"),
        Field("macs_share", "its share of all fvcore MACs, 0–1", "without --flops"),
        Field("flops_share", "the same share", "with --flops, instead of macs_share"),
        Field("params_share", "its share of all parameters, 0–1"),
        Field("verified", VERIFIED),
        Field("bytes_moved_<dtype>", "bytes its layers read and write, weights included", "with --memory"),
        Field("macs_per_byte", "conv + linear MACs per byte moved", "with --memory"),
    )),
    Schema("archs", "`archs --format json|csv`: one record per named config", (
        Field("name", "the config's name"),
        Field("description", "what it is, in words"),
        Field("design", "what sets it apart, in a line"),
        Field("size", "the input size its counts are for"),
        Field("params", "parameters"),
        Field("macs_conv_linear", MACS_CL),
        Field("macs_fvcore", MACS_FV),
        Field("verified", VERIFIED),
    )),
    Schema("compare", "`compare --format json|csv|markdown`: one record per network and stage, and its total", (
        Field("arch", "the network"),
        Field("stage", "stem, layer1…layerN, head, or total"),
        Field("out_shape", "the stage's output shape [C×H×W] as text"),
        Field("params", "parameters"),
        Field("params_share", "its share of the network's parameters, 0–1"),
        Field("macs_conv_linear", MACS_CL),
        Field("macs_share", "its share of the network's conv + linear MACs, 0–1"),
        Field("verified", VERIFIED),
    )),
    Schema("compare.diff", "`compare --diff A B --format json|csv|markdown`: one record per differing layer", (
        Field("block", "the block it belongs to"),
        Field("layer", "the layer"),
        Field("a", "the layer in A, in words (`conv 1×1 /2, out 128×28×28`)"),
        Field("b", "the layer in B"),
        Field("params_delta", "B − A, parameters"),
        Field("macs_delta", "B − A, conv + linear MACs"),
    )),
    Schema("sweep", "`sweep --format json|csv|markdown`: one record per input size and batch", (
        Field("size", "the input size, `H×W`"),
        Field("batch", "the batch size"),
        Field("final_map", "the last feature map, `h×w`"),
        Field("params", "parameters"),
        Field("macs_conv_linear", MACS_CL),
        Field("macs_per_pixel", "conv + linear MACs per input pixel (per image)"),
        Field("activation_bytes_per_batch_<dtype>", "bytes of every layer output that allocates a tensor"),
        Field("activation_bytes_per_sample_<dtype>", "the same, per image"),
        Field("jump", "true when MACs per pixel rose more than 5% over the previous size"),
        Field("jump_cause", "which rounding made the jump, in words (null without a jump)",
              "for networks with closed forms"),
        Field("verified", VERIFIED),
    )),
    Schema("blocks", "`blocks --format json`", (
        Field("place", "where the blocks sit, in words"),
        Field("convs", "one `blocks.conv` record per conv"),
        Field("designs", "one `blocks.design` record per design"),
        Field("basic_minus_bottleneck", "the MAC difference written out as weights × output positions"),
    )),
    Schema("blocks.conv", "`blocks --format json|csv|markdown`: one record per conv of each design", (
        Field("design", "basic, bottleneck, or a ResNeXt block"),
        Field("layer", "the conv (`conv2`, `downsample.0`)"),
        Field("kernel", "`kh×kw`"),
        Field("stride", "its stride"),
        Field("groups", "its groups"),
        Field("in_channels", "input channels"),
        Field("out_channels", "output channels"),
        Field("in_size", "input `H×W`"),
        Field("out_size", "output `H×W`"),
        Field("params", "parameters"),
        Field("macs_conv_linear", MACS_CL),
    )),
    Schema("blocks.design", "`blocks --format json|markdown`: one record per design", (
        Field("design", "basic, bottleneck, or a ResNeXt block"),
        Field("channels", "`in→out` channels"),
        Field("conv_params", "parameters of its convs"),
        Field("params_with_bn", "parameters with batch norm"),
        Field("macs_conv_linear", MACS_CL),
        Field("macs_vs_basic", "its MACs over the basic block's"),
        Field("params_vs_basic", "its conv parameters over the basic block's"),
        Field("verified", VERIFIED),
    )),
    Schema("paper", "`paper --format json`", (
        Field("title", "which table, at which size"),
        Field("input", "the input size [H, W]"),
        Field("networks", "per depth: depth, arch, params, macs_conv_linear, and the bottom row's cell "
                          "(`FLOPs_cell` for Table 1, `params_cell` for Table 6)"),
        Field("rows", "per row: name, output size, and each depth's cell as lines"),
        Field("footnotes", "where the computed numbers differ from the printed ones, and why"),
    )),
    Schema("check", "`check MODEL --format json`", (
        Field("target", "what was checked"),
        Field("reference", "the reference config"),
        Field("verdict", "matches, differs or not_a_resnet"),
        Field("matches", "true when every conv, batch norm, pool and linear layer matches"),
        Field("equals", "a config (`--arch` string) that builds the same network, when it is not the reference "
                        "(or null)"),
        Field("run", "how the model was run"),
        Field("differences", "where and how it departs: [{kind, where, yours, reference, message, words}]; "
                             "`words` repeats `message`"),
        Field("structure", "your model's structure as the check captured it"),
        Field("shortcut_runs_first_in", "blocks whose shortcut runs before the main path"),
        Field("relu_calls_seen", "ReLU calls seen through modules"),
        Field("unrecognised_modules", "modules not compared"),
        Field("stages", "one `check.stage` record per stage"),
    )),
    Schema("check.stage", "`check MODEL --format json|csv|markdown`: one record per stage", (
        Field("stage", "stem, layer1…layerN, head"),
        Field("reference_out", "the reference's output `C×H×W`"),
        Field("your_out", "your model's"),
        Field("reference_params", "the reference's parameters"),
        Field("your_params", "your model's"),
        Field("reference_macs", "the reference's conv + linear MACs"),
        Field("your_macs", "your model's conv + linear MACs"),
        Field("same", "true when shape, parameters and MACs agree"),
    )),
    Schema("check.checkpoint", "`check CHECKPOINT --format json|csv`", (
        Field("target", "the checkpoint"),
        Field("inferred", "the spec inferred from its keys and shapes (null when none)"),
        Field("recognised_as", "the named config it equals (or null)"),
        Field("reference", "the reference config (or null)"),
        Field("matches", "true when it loads strictly and equals the reference"),
        Field("notes", "what the weights cannot say"),
        Field("checked_by", "what the check read: names and shapes"),
        Field("problems", "keys that fit no config, a failed strict load, a difference from the reference"),
    )),
    Schema("profile", "`profile --format json`", (
        Field("arch", "the network"),
        Field("input", "the input shape [N, C, H, W]"),
        Field("device", "where it ran"),
        Field("dtype", "the dtype it ran in"),
        Field("channels_last", "true with --channels-last"),
        Field("compiled", "true with --compile"),
        Field("whole_model_ms", "median time of the whole model, ms"),
        Field("segments_ms", "the stage segments' medians, summed"),
        Field("gmacs_per_s", "conv + linear GMACs per second, the whole model"),
        Field("peak_activation_bytes_measured", "torch.cuda.max_memory_allocated (null off CUDA)"),
        Field("peak_activation_bytes_analytic", "activations alive at once by the analysis"),
        Field("headline", "where time and MACs disagree most, in words"),
        Field("stages", "one `profile.stage` record per stage"),
        Field("blocks", "one `profile.block` record per block"),
    )),
    Schema("profile.stage", "`profile --format json|csv|markdown`: one record per stage", (
        Field("stage", "stem, layer1…layerN, head"),
        Field("median_ms", "median time, ms"),
        Field("min_ms", "fastest pass, ms"),
        Field("max_ms", "slowest pass, ms"),
        Field("time_share", "its share of the segments' time, 0–1"),
        Field("macs_conv_linear", MACS_CL),
        Field("macs_share", "its share of the conv + linear MACs, 0–1"),
        Field("gmacs_per_s", "conv + linear GMACs per second"),
    )),
    Schema("profile.block", "`profile --level block --format csv|markdown`, `profile --format json` `blocks`", (
        Field("block", "the block"),
        Field("stage", "its stage"),
        Field("median_ms", "median time, ms"),
        Field("min_ms", "fastest pass, ms"),
        Field("max_ms", "slowest pass, ms"),
        Field("macs_conv_linear", MACS_CL),
        Field("gmacs_per_s", "conv + linear GMACs per second"),
    )),
)  # fmt: skip

SCHEMA = {schema.kind: schema for schema in SCHEMAS}


def schemas_markdown() -> str:
    """The docs page: every record kind, its fields and when each is there."""
    lines = ["# Output formats and record schemas", "", "*Generated by `python docs/generate.py` from "
             "`resnet_inspect/views/schemas.py`; do not edit by hand.*", "",
             "Every command that prints a table writes the same records as JSON (`--format json`), CSV or Markdown "
             "(`--format csv|markdown`), or to a file named .json, .csv or .md (`--output`). The library returns "
             "them too (`to_dict`, `table_records`, `to_dataframe`).", "",
             "MACs are multiply-accumulates, and every MAC field names its convention:", "",
             f"- `macs_conv_linear`: {MACS_CL}. ResNet-50 at 224×224: 4,089,184,256.",
             f"- `macs_fvcore`: {MACS_FV}. ResNet-50 at 224×224: 4,111,512,576.", "",
             "With `--flops`, `flops_conv_linear` and `flops_fvcore` are 2 × those. `<dtype>` in a field name "
             "stands for the dtype asked for (`float32`, `bfloat16`, …).", ""]  # fmt: skip
    for schema in SCHEMAS:
        lines += [f"## `{schema.kind}`", "", f"Written by {schema.where}.", "", "| field | meaning | present |",
                  "|---|---|---|"]  # fmt: skip
        for field in schema.fields:
            lines.append(f"| `{field.name}` | {field.meaning.replace('|', '/')} | {field.when or 'always'} |")
        lines.append("")
    return "\n".join(lines)
