"""One layer's arithmetic written out with its numbers: the output size, the parameters, the MACs."""

from __future__ import annotations

import difflib

from .analysis import Analysis, LayerRow
from .report import layer_op
from .shapes import shape_text
from .spec import InspectError


def find_row(analysis: Analysis, name: str) -> LayerRow:
    for row in analysis.rows:
        if row.name == name:
            return row
    names = [row.name for row in analysis.rows]
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.6)
    hint = f"close matches: {', '.join(close)}" if close else f"names look like {names[0]}, {names[5]}, {names[-1]}"
    raise InspectError(f"no layer {name!r} in {analysis.spec.name}; {hint}")


def _size_lines(axis: str, size: int, kernel: int, stride: int, padding: int, out: int, ceil: bool) -> str:
    rounding = "ceil" if ceil else "floor"
    inner = size - kernel + 2 * padding
    formula = f"{rounding}(({size} − {kernel} + 2·{padding}) / {stride}) + 1"
    return f"  {axis}: O = {formula} = {rounding}({inner} / {stride}) + 1 = {out}"


def explain(analysis: Analysis, name: str) -> list[str]:
    """The layer `name`'s arithmetic, line by line, with the hooked model's and fvcore's numbers beside it."""
    row = find_row(analysis, name)
    t = row.traced
    n, c_in = t.in_shape[0], t.in_shape[1]
    c_out = t.out_shape[1]
    lines = [
        f"{t.name} · {layer_op(t)} · {analysis.spec.name}, input {shape_text(analysis.input_shape)}",
        f"in {shape_text(t.in_shape)} → out {shape_text(t.out_shape)}",
    ]
    if t.kind in ("conv", "maxpool", "downpool"):
        (kh, kw), (sh, sw), (ph, pw) = t.kernel, t.stride, t.padding
        ceil = t.kind == "downpool"
        lines.append(
            "output size, per axis: O = floor((I − K + 2P) / S) + 1" + (", rounded up (ceil_mode)" if ceil else "")
        )
        lines.append(_size_lines("height", t.in_shape[2], kh, sh, ph, t.out_shape[2], ceil))
        lines.append(_size_lines("width ", t.in_shape[3], kw, sw, pw, t.out_shape[3], ceil))
    if t.kind == "conv":
        per_group = c_in // t.groups
        weights = c_out * per_group * t.kernel[0] * t.kernel[1]
        group_note = f" (C_in/groups = {c_in}/{t.groups})" if t.groups > 1 else ""
        lines.append(
            f"params = C_out · C_in/groups · K·K = {c_out} · {per_group} · {t.kernel[0]}·{t.kernel[1]} = {weights:,}"
            + group_note
            + (f", + {c_out} bias = {t.params:,}" if t.params != weights else "")
        )
        spatial = t.out_shape[2] * t.out_shape[3]
        lines.append(
            f"MACs = weights · H_out·W_out · N = {weights:,} · {t.out_shape[2]}·{t.out_shape[3]} · {n} "
            f"= {weights * spatial * n:,}   (one multiply-add per weight per output position)"
        )
    elif t.kind == "linear":
        features = t.in_shape[1]
        lines.append(f"params = in · out + out (bias) = {features} · {c_out} + {c_out} = {t.params:,}")
        lines.append(f"MACs = N · in · out = {n} · {features} · {c_out} = {t.macs:,}")
    elif t.kind == "bn":
        lines.append(f"params = 2 · C = 2 · {c_out} = {t.params:,}   (scale and shift; running mean/var are buffers)")
        elements = t.out_elements
        lines.append(
            f"fvcore counts batch norm as 2 per output element in eval mode: 2 · {elements:,} = {2 * elements:,}"
        )
    elif t.kind == "avgpool":
        elements = 1
        for d in t.in_shape:
            elements *= d
        lines.append(f"global average: fvcore counts 1 per input element: {shape_text(t.in_shape)} = {elements:,}")
    elif t.kind == "pad":
        lines.append(
            f"option A shortcut: x[:, :, ::{t.stride[0]}, ::{t.stride[0]}] then {c_out - c_in} zero channels: "
            "no params, no MACs"
        )
    else:
        lines.append("no parameters and no multiply-adds (fvcore has no rule for it and counts 0)")
    observed, model_layer = row.check.observed_out_shape, row.check.observed
    seen = f"out {shape_text(observed)}, {model_layer.params:,} params" if model_layer and observed else "not run"
    verdict = "✓ all agree" if row.verified else "✗ " + "; ".join(row.problems)
    lines.append(f"hooked model: {seen} · fvcore: {row.macs:,} MACs   {verdict}")
    return lines
