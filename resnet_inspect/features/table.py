"""The table: a network traced at one input size, held against the hooked real model, and counted by fvcore's rules.

`analyze` returns an `Analysis`: one row per layer, each with the formula's account, the model's and fvcore's
count (`rows.LayerRow`). It says itself as records (`records(level)`: layers, blocks or stages), as the JSON
document (`document()`), as a DataFrame and as a notebook table; its derived facts (receptive fields, closed
forms, the headline) are computed once, on first use. Drawing lives in `views`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..core.configs import parse_arch
from ..core.errors import InspectError
from ..core.memory import LayerMemory, Peak
from ..core.receptive_field import Field, receptive_fields
from ..core.shapes import Shape, Trace, shape_text, trace
from ..core.spec import ResNetSpec, parse_size, with_knobs
from ..core.words import share
from ..records import Line, Result, Section
from ..records.vocabulary import (
    MACS_NOTE,
    GroupRecord,
    LayerRecord,
    Level,
    MemoryRecord,
    ProofRecord,
    TableDocument,
    TotalsRecord,
)
from .cross_check import CrossCheck
from .headlines import headline
from .receptive_field import field_record, field_sentence
from .rows import LayerRow, Row
from .rows import rows as group_rows

if TYPE_CHECKING:  # verify imports torch; the CLI's --help and the analytic path must not pay for it
    from ..core.verification import Probe, Verification


@dataclass(frozen=True)
class MemoryView:
    """The analytic memory of a trace at one dtype: per layer, the inference peak, training storage."""

    dtype: str
    layers: dict[str, LayerMemory]
    peak: Peak
    training_bytes: int

    def record(self) -> MemoryRecord:
        return MemoryRecord(
            dtype=self.dtype,
            peak_inference_bytes=self.peak.bytes,
            peak_during=self.peak.at,
            training_storage_bytes=self.training_bytes,
        )

    def moved(self, names: Sequence[str]) -> int:
        return sum(self.layers[name].bytes_moved for name in names)


def memory_view(traced: Trace, dtype: str = "float32") -> MemoryView:
    from ..core.memory import layer_memory, peak_inference, training_storage

    return MemoryView(
        dtype,
        {m.name: m for m in layer_memory(traced, dtype)},
        peak_inference(traced, dtype),
        training_storage(traced, dtype),
    )


def _per_byte(macs: int, moved: int) -> float:
    return round(macs / moved, 4) if moved else 0.0


@dataclass(frozen=True)
class Analysis(Result):
    spec: ResNetSpec
    input_shape: Shape
    rows: tuple[LayerRow, ...]
    verification: Verification
    probe: Probe
    cached: str | None = None  # where the verification was read back from the proof cache: its words
    rechecked: bool = False  # proven again on purpose, the cache not read (cache=False)

    # ------------------------------------------------------------------------------------------ totals

    @cached_property  # read once per record of a table: summed once, not once per row
    def params(self) -> int:
        return sum(row.traced.params for row in self.rows)

    @property
    def frozen_params(self) -> int:
        """The model's parameters with requires_grad off: 0 for a model built from the spec."""
        return self.verification.frozen_params

    @property
    def trainable_params(self) -> int:
        return self.verification.model_params - self.frozen_params

    @cached_property  # read once per record of a table: summed once, not once per row
    def macs_conv_linear(self) -> int:
        """Conv + linear MACs: the paper's and torchvision's "FLOPs"."""
        return sum(row.macs_conv_linear for row in self.rows)

    @cached_property  # read once per record of a table: summed once, not once per row
    def macs_fvcore(self) -> int:
        """Every MAC fvcore counts: conv and linear, plus batch norm (2 per element) and average pooling."""
        return sum(row.macs_fvcore for row in self.rows)

    @property
    def problems(self) -> tuple[str, ...]:
        found = [p for row in self.rows for p in row.problems]
        found += self.verification.model_problems
        if self.verification.model_params != self.params:
            found.append(f"model: {self.verification.model_params:,} params in all, {self.params:,} by the formula")
        return tuple(found)

    @property
    def verified(self) -> bool:
        return not self.problems

    @property
    def failures(self) -> tuple[str, ...]:
        if self.verified:
            return ()
        return (f"{len(self.problems)} disagreements between the formula and the model (first: {self.problems[0]})",)

    # ------------------------------------------------------------------------------------ derived facts

    @cached_property
    def trace(self) -> Trace:
        return Trace(self.spec, self.input_shape, tuple(row.traced for row in self.rows))

    @cached_property
    def fields(self) -> dict[str, Field]:
        """Every layer's receptive field, by layer name (`core.receptive_field`)."""
        return receptive_fields(self.trace)

    @cached_property
    def out_size_exprs(self) -> dict[str, list[str]]:
        """Layer name → its output size per axis as a closed form (`["ceil(H/32)", "ceil(W/32)"]`)."""
        return out_size_exprs(self.spec)

    @cached_property
    def headline(self) -> str:
        """Where the network keeps its MACs and parameters, in one sentence (`summary.headline`)."""
        return headline(self.trace)

    @cached_property
    def short_headline(self) -> str:
        """The headline rounded to whole percents, without the flat part: a figure's title."""
        return headline(self.trace, decimals=0, flat=False)

    @cached_property
    def field_sentence(self) -> str:
        return field_sentence(self.trace, self.fields)

    def totals_lines(self, *, flops: bool = False) -> list[str]:
        """The totals in words, both MAC conventions labelled (`totals_lines`)."""
        return totals_lines(self, flops=flops)

    def grouped(self, level: Level | str = Level.layer) -> list[Row]:
        """The rows at `level`: one per layer, or summed per block or stage."""
        return group_rows(self.spec, self.rows, level)

    # ------------------------------------------------------------------------------------------ records

    def records(
        self, level: Level | str = Level.layer, *, flops: bool = False, memory: MemoryView | None = None
    ) -> list[LayerRecord] | list[GroupRecord]:
        """One record per row at `level` (`records.vocabulary`): layers, or blocks or stages summed."""
        if Level(level) is Level.layer:
            return [self._layer_record(row, flops, memory) for row in self.rows]
        return [self._group_record(row, flops, memory) for row in self.grouped(level)]

    def _shares(self, params: int, macs_conv_linear: int, macs_fvcore: int) -> dict[str, float]:
        return {
            "params_share": round(share(params, self.params), 6),
            "macs_share_conv_linear": round(share(macs_conv_linear, self.macs_conv_linear), 6),
            "macs_share_fvcore": round(share(macs_fvcore, self.macs_fvcore), 6),
        }

    def _layer_record(self, row: LayerRow, flops: bool, memory: MemoryView | None) -> LayerRecord:
        t = row.traced
        extra: dict[str, Any] = {}
        if memory is not None:
            m = memory.layers[t.name]
            extra |= {
                "weight_bytes": m.weight_bytes,
                "input_bytes": m.input_bytes,
                "output_bytes": m.output_bytes,
                "bytes_moved": m.bytes_moved,
                "macs_conv_linear_per_byte": _per_byte(m.macs_conv_linear, m.bytes_moved),
            }
        if not row.verified:
            observed = row.check.observed_out_shape
            extra |= {"model_out_shape": list(observed) if observed else None, "problems": list(row.problems)}
        return LayerRecord(
            name=t.name,
            stage=t.stage,
            block=t.block,
            kind=t.kind,
            op=t.label,
            kernel=t.kernel,
            stride=t.stride,
            padding=t.padding,
            dilation=t.dilation,
            groups=t.groups,
            in_shape=t.in_shape,
            out_shape=t.out_shape,
            out_elements=t.out_elements,
            out_size_expr=self.out_size_exprs.get(t.name),
            params=t.params,
            macs_conv_linear=row.macs_conv_linear,
            macs_fvcore=row.macs_fvcore,
            **self._shares(t.params, row.macs_conv_linear, row.macs_fvcore),
            **_flops(flops, row.macs_conv_linear, row.macs_fvcore),
            verified=row.verified,
            **field_record(self.fields[t.name]),
            **extra,
        )

    def _group_record(self, row: Row, flops: bool, memory: MemoryView | None) -> GroupRecord:
        extra = {}
        if memory is not None:
            moved = memory.moved([layer.name for layer in row.layers])
            extra = {"bytes_moved": moved, "macs_conv_linear_per_byte": _per_byte(row.macs_conv_linear, moved)}
        return GroupRecord(
            name=row.name,
            stage=row.stage,
            op=row.op,
            in_shape=row.in_shape,
            out_shape=row.out_shape,
            params=row.params,
            macs_conv_linear=row.macs_conv_linear,
            macs_fvcore=row.macs_fvcore,
            **self._shares(row.params, row.macs_conv_linear, row.macs_fvcore),
            **_flops(flops, row.macs_conv_linear, row.macs_fvcore),
            verified=row.verified,
            **field_record(self.fields[row.last]),
            out_size_expr=self.out_size_exprs.get(row.last),
            **extra,
        )

    def totals(self, *, flops: bool = False) -> TotalsRecord:
        return TotalsRecord(
            params=self.params,
            model_params=self.verification.model_params,
            trainable_params=self.trainable_params,
            frozen_params=self.frozen_params,
            macs_conv_linear=self.macs_conv_linear,
            macs_fvcore=self.macs_fvcore,
            **_flops(flops, self.macs_conv_linear, self.macs_fvcore),
            verified=self.verified,
        )

    def document(
        self, *, flops: bool = False, cross_checks: Sequence[CrossCheck] = (), memory: MemoryView | None = None
    ) -> TableDocument:
        """The JSON contract: every layer, every block, every stage, and the totals."""
        spec = {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self.spec).items()}
        return TableDocument(
            arch=self.spec.name,
            input=self.input_shape,
            spec=spec,
            units=MACS_NOTE,
            layers=self.records(Level.layer, flops=flops, memory=memory),
            blocks=self.records(Level.block, flops=flops),
            stages=self.records(Level.stage, flops=flops),
            totals=self.totals(flops=flops),
            problems=list(self.problems),
            verified_by=self.cached
            or f"the hooked model ({self.probe} probe)" + ("; proven again (--no-cache)" if self.rechecked else ""),
            cross_check=[check.record() for check in cross_checks] or None,
            memory=memory.record() if memory is not None else None,
        )

    def to_dataframe(
        self,
        level: Level | str = Level.layer,
        *,
        flops: bool = False,
        memory: MemoryView | None = None,
        columns: Sequence[str] | None = None,
    ):
        """The rows at `level` as a pandas DataFrame, with the output shape also as numbers a DataFrame can sort
        and plot (`out_c`, `out_h`, `out_w`: channels, height, width; missing after the pool)."""
        from ..records.serialize import dataframe

        rows = [r.to_dict() | shape_columns(r.out_shape) for r in self.records(level, flops=flops, memory=memory)]
        frame = dataframe(rows, columns)
        for column in ("out_h", "out_w"):  # whole numbers, missing after the pool: not floats with NaN
            if column in frame:
                frame[column] = frame[column].astype("Int64")
        return frame

    def sections(self) -> list[Section]:
        columns = ["name", "op", "out_shape", "params", "params_share", "macs_conv_linear", "macs_fvcore", "verified"]
        verdict = (
            Line("✓ every layer agrees: formula, hooked model and fvcore", "ok")
            if self.verified
            else Line(f"✗ {len(self.problems)} disagreements; first: {self.problems[0]}", "bad")
        )
        stages = self.records(Level.stage)
        return [
            Section(
                lines=[
                    Line(f"{self.spec.name} · input {shape_text(self.input_shape)} (N×C×H×W)", "title"),
                    Line(self.headline, "headline"),
                ]
            ),
            Section(
                "Per stage",
                stages,
                columns,
                [Line(f"Receptive field: {self.field_sentence}"), *map(Line, totals_lines(self)), verdict],
            ),
            *(
                Section(f"{len(records)} {level.value}s", records, columns, folded=True)
                for level in (Level.block, Level.layer)
                for records in [self.records(level)]
            ),
        ]

    def __repr__(self) -> str:
        # A few lines, not the 200,000 characters of every row: the rows are in to_dataframe and the views.
        frozen = f" ({self.trainable_params:,} trainable, {self.frozen_params:,} frozen)" if self.frozen_params else ""
        return (
            f"<Analysis of {self.spec.name} at input {shape_text(self.input_shape)}: {len(self.rows)} layers, "
            f"{'verified' if self.verified else f'{len(self.problems)} disagreements'}\n"
            f" params {self.params:,}{frozen}; MACs {self.macs_conv_linear:,} conv + linear, "
            f"{self.macs_fvcore:,} fvcore\n {self.headline}>"
        )


def _flops(flops: bool, macs_conv_linear: int, macs_fvcore: int | None) -> dict[str, int | None]:
    if not flops:
        return {}
    return {"flops_conv_linear": 2 * macs_conv_linear, "flops_fvcore": None if macs_fvcore is None else 2 * macs_fvcore}


def shape_columns(shape: Sequence[int]) -> dict[str, int | None]:
    """An output shape as numbers: channels, height, width (None past the pool)."""
    return {
        "out_c": shape[1],
        "out_h": shape[2] if len(shape) > 2 else None,
        "out_w": shape[3] if len(shape) > 3 else None,
    }


def totals_lines(analysis: Analysis, *, flops: bool = False) -> list[str]:
    """The totals, in words, with both MAC conventions labelled."""
    scale, unit = (2, "FLOPs (2×MACs)") if flops else (1, "MACs")
    prefix = "GFLOPs" if flops else "GMACs"
    checked = sum(row.verified for row in analysis.rows)
    frozen = analysis.frozen_params
    cl, fv = analysis.macs_conv_linear * scale, analysis.macs_fvcore * scale
    return [
        f"Params: {analysis.params:,} ({analysis.params / 1e6:,.2f} M)"
        + (f"; {analysis.trainable_params:,} trainable, {frozen:,} frozen (requires_grad off)" if frozen else ""),
        f"{unit}, conv + linear (the paper's and torchvision's count): {cl:,} ({cl / 1e9:,.2f} {prefix})",
        f"{unit}, all that fvcore counts (+ batch norm, avg pool): {fv:,} ({fv / 1e9:,.2f} {prefix})",
        f"Verified against the hooked model: {checked}/{len(analysis.rows)} layers"
        + (f" ({analysis.cached})" if analysis.cached else " (proven again: --no-cache)" if analysis.rechecked else ""),
    ]


def analyze(
    arch: ResNetSpec | str | int = 50,
    size: int | str | tuple[int, int] | None = None,
    *,
    batch: int = 1,
    model: Any = None,
    probe: Probe = "empty-batch",
    cache: bool = True,
    **knobs: Any,
) -> Analysis:
    """Trace `arch` at `size`, verify it against the real model, count it.

    `arch` is a spec, a config (`"resnet50"`, `"resnet50:stride_in=v1"`) or a paper depth; `size` an int, a
    `"480x640"` string or a (height, width) pair, by default the config's own (224, or 32 for CIFAR nets);
    `knobs` change the config (`analyze(18, 32, stem="cifar", num_classes=10)`). `model` replaces the model
    built from the spec: to hold another implementation against the trace (`resnet_inspect.analyze` also takes
    an `nn.Module` as `arch`, and captures it as it is: `features.model_table.analyze_model`). A network built
    from its spec is verified once per input shape and kept in the proof cache (`resnet_inspect.cache`);
    `cache=False` verifies it again (and keeps the new proof).
    """
    from .. import cache as proofs

    spec = with_knobs(parse_arch(arch), knobs)
    height, width = parse_size(spec.default_size if size is None else size)
    if batch < 1:
        raise InspectError(f"batch {batch} is not valid; it must be ≥ 1")
    traced = trace(spec, height, width, batch=batch)
    if model is None:  # from the trace's ints, before a module is built: the probe gives its weights storage
        from ..core.budget import check_parameters

        check_parameters(traced.params, traced.params * 4)
    if model is not None:  # the user's: run a copy, never the model itself (the probe gives weights new storage)
        from ..capture.graph import fresh_copy

        return analyze_trace(traced, fresh_copy(model, "meta", zeros=False), probe=probe)
    if cache and (hit := proofs.load(traced, probe)) is not None:  # proven before: no torch
        return analysis_of(traced, hit.verification, probe, cached=hit.words())
    from ..runtime.model import build_model

    analysis = analyze_trace(traced, build_model(spec, device="meta"), probe=probe)
    proofs.store(traced, probe, analysis.verification)
    return analysis if cache else dataclasses.replace(analysis, rechecked=True)


def analyze_trace(traced: Trace, model: Any, *, probe: Probe = "empty-batch") -> Analysis:
    """Verify `traced` against `model` (whose leaf calls must follow it one for one) and count it with fvcore.

    A model reused across calls is materialized once: sweeping many sizes costs one small forward each.
    """
    from ..core.budget import check_trace_tensors
    from ..runtime.verify import verify

    if probe == "meta":  # the whole batch, laid out on the meta device: within torch's bytes per tensor
        check_trace_tensors("the meta probe", traced)
    return analysis_of(traced, verify(traced, model, probe=probe), probe)


def analysis_of(traced: Trace, verification: Verification, probe: Probe, *, cached: str | None = None) -> Analysis:
    """The analysis of a verification: each row with fvcore's count from the model's own shapes."""
    from ..runtime.counting import count_layers

    observed = [check.observed for check in verification.checks if check.observed is not None]
    macs = {count.name: count.macs_fvcore for count in count_layers(observed, batch=traced.input_shape[0])}
    rows = tuple(
        LayerRow(check.traced, check, macs.get(check.observed.name, 0) if check.observed else 0)
        for check in verification.checks
    )
    return Analysis(traced.spec, traced.input_shape, rows, verification, probe, cached)


def out_size_exprs(spec: ResNetSpec, *, pretty: bool = False) -> dict[str, list[str]]:
    """Layer name → its output size per axis as a closed form in H and W (`["ceil(H/32)", "ceil(W/32)"]`; empty
    for a 2-D output); no entries for a network without closed forms."""
    from ..core.closed_form import closed_forms

    try:
        forms = closed_forms(spec)
    except InspectError:
        return {}
    return {layer.name: list(layer.expr(pretty=pretty)) for layer in forms.layers}


def closed_form_cells(analysis: Analysis, level: Level | str, *, pretty: bool = True) -> dict[str, str]:
    """Row name → its output size as a closed form (`⌈H/32⌉×⌈W/32⌉`, or `ceil(H/32)×ceil(W/32)` without `pretty`):
    a block's or stage's is its last layer's."""
    exprs = out_size_exprs(analysis.spec, pretty=pretty)
    return {r.name: "×".join(exprs.get(r.last, [])) or "—" for r in analysis.grouped(level)}


def size_note(analysis: Analysis) -> str | None:
    """For a size that is not a multiple of the network's stride (32 for torchvision's ResNets): what the rounding
    of its halvings costs, against the multiple below."""
    _, _, height, width = analysis.input_shape
    step = analysis.spec.output_stride or analysis.spec.natural_stride
    if step == 1 or (height % step == 0 and width % step == 0) or min(height, width) < step:
        return None  # below one step there is no smaller multiple to hold it against
    base_h, base_w = height // step * step, width // step * step
    try:
        base = trace(analysis.spec, base_h, base_w)
    except InspectError:
        return None  # the multiple below is too small for the network
    last = next(r.traced.out_shape for r in reversed(analysis.rows) if r.traced.kind == "add")
    base_last = next(layer.out_shape for layer in reversed(base.layers) if layer.kind == "add")
    change = analysis.macs_conv_linear / analysis.input_shape[0] / base.macs_conv_linear - 1
    return (
        f"note: {height}×{width} is not a multiple of {step}: the last feature map is {last[2]}×{last[3]} "
        f"({base_last[2]}×{base_last[3]} at {base_h}×{base_w}), {change:+.1%} MACs per image"
    )


# --------------------------------------------------------------------------------------------- the command


@dataclass(frozen=True)
class Table(Result):
    """`table` as asked: an analysis (of a named network, or of a model) at one level, and whatever the options
    added, each already checked: memory, cross-checks by independent counters, the closed forms and their
    symbolic proof, the receptive fields and their proof on the model."""

    analysis: Any  # Analysis or model_table.ModelAnalysis
    level: Level = Level.layer
    flops: bool = False
    memory: MemoryView | None = None
    cross_checks: tuple[CrossCheck, ...] = ()
    closed_forms: dict[str, str] | None = None  # row name → its output size as a closed form, with `symbolic`
    proof: Any = None  # runtime.symbolic.SymbolicVerification
    field_proof: Any = None  # receptive_field.FieldVerification
    fields: bool = False  # the receptive-field columns in the terminal table
    memory_dtype: str | None = None  # with a model: bytes per row at this dtype

    @property
    def of_model(self) -> bool:
        return not isinstance(self.analysis, Analysis)

    def document(self) -> TableDocument:
        if self.of_model:
            return self.analysis.document(flops=self.flops, memory=self.memory_dtype)
        document = self.analysis.document(flops=self.flops, cross_checks=self.cross_checks, memory=self.memory)
        proofs = {}
        if self.proof is not None:
            proofs["symbolic_proof"] = ProofRecord(
                verified=self.proof.ok,
                summary=[self.proof.summary],
                method="PyTorch's symbolic shapes of one fake-tensor forward",
            )
        if self.field_proof is not None:
            from .receptive_field import verification_lines

            proofs["rf_proof"] = ProofRecord(verified=self.field_proof.ok,
                                             summary=verification_lines(self.field_proof),
                                             method="the gradient support of block outputs' centre units on a "
                                             "linearized narrow copy")  # fmt: skip
        return dataclasses.replace(document, **proofs)

    def records(self) -> list:
        if self.of_model:
            return self.analysis.records(self.level, flops=self.flops, memory=self.memory_dtype)
        return self.analysis.records(self.level, flops=self.flops, memory=self.memory)

    def sections(self) -> list[Section]:
        return self.analysis.sections()

    @property
    def notes(self) -> list[str]:
        """What is said beside the table: the size's rounding, what the proofs found."""
        from .receptive_field import verification_lines

        notes = []
        if not self.of_model and (note := size_note(self.analysis)):
            notes.append(note)
        if self.of_model and Level(self.level) is not Level.layer and not self.analysis.resnet_like:
            notes.append(
                f"note: no residual add was found, so there are no {Level(self.level).value}s to sum; one row per op"
            )
        if self.of_model and self.memory_dtype:
            notes.append(
                "note: with --model, --memory gives the bytes each row moves; the peak and training storage "
                "are computed for the configs this tool builds"
            )
        notes += verification_lines(self.field_proof) if self.field_proof is not None else []
        notes += [self.proof.summary] if self.proof is not None else []
        return notes

    @property
    def failures(self) -> tuple[str, ...]:
        found = list(self.analysis.failures)
        found += [f"{c.path} counts {c.counted:,} MACs, not {c.reported:,}" for c in self.cross_checks if not c.ok]
        if self.proof is not None and not self.proof.ok:
            found.append(f"the closed forms disagree with PyTorch's shapes: {(self.proof.failures or ('',))[0]}")
        if self.field_proof is not None and not self.field_proof.ok:
            found.append("the receptive field measured on the model differs from the arithmetic")
        return tuple(found)


def table(
    arch: ResNetSpec | str | int = 50,
    size: int | str | tuple[int, int] | None = None,
    *,
    batch: int = 1,
    level: Level | str = Level.layer,
    flops: bool = False,
    memory: str | None = None,
    cross_check: bool = False,
    symbolic: bool = False,
    verify_rf: bool = False,
    fields: bool = False,
    model: Any = None,
    model_name: str | None = None,
    cache: bool = True,
) -> Table:
    """The table of `arch` (or of `model`, an nn.Module) at `size`, with what the options ask for: `memory` (a
    dtype), `cross_check` (torch's and fvcore's own counters), `symbolic` (closed forms proven on PyTorch's
    symbolic shapes), `verify_rf` (receptive fields proven on the model by gradients), `fields` (their columns);
    `cache=False` proves the table again rather than reading its proof back (`resnet_inspect.cache`)."""
    from ..core.memory import canonical_dtype

    dtype = canonical_dtype(memory) if memory is not None else None
    level = Level(level)
    if model is not None:
        from .model_table import analyze_model

        for name, asked in (("cross_check", cross_check), ("symbolic", symbolic), ("verify_rf", verify_rf)):
            if asked:
                raise InspectError(f"{name} does not apply to a model yet: it proves the configs this tool builds")
        if not cache:
            raise InspectError("no_cache does not apply to a model: a model is never answered from the cache")
        analysis = analyze_model(model, size, batch=batch, name=model_name)
        return Table(analysis, level, flops, fields=fields, memory_dtype=dtype)
    from .cross_check import cross_check as count_again

    analysis = analyze(arch, size, batch=batch, cache=cache)
    proof = field_proof = None
    if symbolic:
        from ..runtime.symbolic import verify_symbolic

        proof = verify_symbolic(analysis.spec)
    if verify_rf:
        from .receptive_field import verify_fields

        field_proof = verify_fields(analysis.spec)
    return Table(
        analysis,
        level,
        flops,
        memory_view(analysis.trace, dtype) if dtype else None,
        tuple(count_again(analysis)) if cross_check else (),
        closed_form_cells(analysis, level) if symbolic else None,
        proof,
        field_proof,
        fields,
    )
