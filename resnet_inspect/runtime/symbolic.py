"""Every input size verified at once: PyTorch's own output-size expressions, proven equal to the closed forms.

One forward of the real model runs under a `FakeTensorMode` whose input height and width are *unbacked*
symbolic integers H, W ∈ [minimum, `spec.MAX_SIZE`] (no example value, so PyTorch cannot specialise on one:
any branch on a size that its own range reasoning cannot settle raises instead of guessing). Forward hooks on
the leaf modules read each output's shape as sympy expressions: PyTorch's shape logic (its meta kernels), not
ours. Each is then proven equal to the closed form of `closed_form.py` over the whole range, per axis:

- **normal form**: the expression is a chain of floor/ceil divisions and additions, which collapses exactly to
  floor((x + C) / S) (see `closed_form`); equal (S, C) is equality for every integer x, with no bound;
- **exhaustive**: any other expression is evaluated, vectorised, at every integer of the range (1 to 2^20 is
  the whole input domain the tool accepts, so this too is a proof over the domain, with that stated bound).

Where PyTorch branches on a size (a `ceil_mode` pool asks whether its last window starts in the padding), the
condition is settled the same exhaustive way over the range and handed to PyTorch as a fact, and the block is
run again; the facts are reported. An op whose C++ meta kernel needs concrete sizes but whose Python reference
in `torch._refs` does not (`constant_pad_nd`, the `F.pad` of option A's shortcut) runs through that reference:
still PyTorch's shape logic, and the result names the ops it took that way. Where the trace cannot be symbolic
at all, the model is checked per size at a spread of sizes instead, and the result says so and why.

torch, sympy and numpy are imported when a proof runs, never at import time.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..core.closed_form import AxisForm, ClosedForms, closed_forms
from ..core.errors import InspectError, first_line
from ..core.spec import ResNetSpec

Method = Literal["normal form", "exhaustive", "per size"]


@dataclass(frozen=True)
class AxisProof:
    """One layer's output size on one axis: PyTorch's expression against the closed form."""

    layer: str
    axis: str  # "H" or "W"
    torch_expr: str
    closed: str
    method: Method
    witness: int | None = None  # a size where the two differ; None when they are equal over the range

    @property
    def ok(self) -> bool:
        return self.witness is None


@dataclass(frozen=True)
class SymbolicVerification:
    forms: ClosedForms
    method: Literal["symbolic", "per size"]
    proofs: tuple[AxisProof, ...]
    facts: tuple[str, ...] = ()  # branch conditions PyTorch asked about, each proven over the range
    problems: tuple[str, ...] = ()  # layer mismatches beyond sizes: names, channels, ranks
    fallback: str | None = None  # why the trace could not stay symbolic
    sizes_checked: tuple[tuple[int, int], ...] = ()  # the per-size fallback's sizes
    references: tuple[str, ...] = ()  # aten ops whose shapes came from PyTorch's Python references (torch._refs)

    @property
    def ok(self) -> bool:
        return not self.problems and all(p.ok for p in self.proofs)

    @property
    def failures(self) -> tuple[str, ...]:
        bad = [
            f"{p.layer} ({p.axis}): PyTorch gives {p.torch_expr}, the closed form {p.closed}; they differ at "
            f"{p.axis} = {p.witness}"
            for p in self.proofs
            if not p.ok
        ]
        return (*self.problems, *bad)

    @property
    def summary(self) -> str:
        """The one line: what was verified, over which sizes, and how."""
        f = self.forms
        if not self.ok:
            return f"✗ {len(self.failures)} disagreements with PyTorch's shapes; first: {self.failures[0]}"
        if self.method == "symbolic":
            counts = {m: sum(p.method == m for p in self.proofs) for m in ("normal form", "exhaustive")}
            how = f"{counts['normal form']} axis sizes by normal form"
            if counts["exhaustive"]:
                how += f", {counts['exhaustive']} exhaustively over {f.min_height}..{f.max_size}"
            facts = f"; {len(self.facts)} branch facts proven exhaustively" if self.facts else ""
            refs = f"; {', '.join(self.references)} by torch._refs" if self.references else ""
            return (
                f"✓ every size from {f.range_text} verified at once: PyTorch's symbolic shapes of all "
                f"{len(f.layers)} layers equal the closed forms ({how}{facts}{refs})"
            )
        small, large = (f(self.sizes_checked, key=lambda s: s[0] * s[1]) for f in (min, max))
        return (
            f"✓ checked per size at {len(self.sizes_checked)} sizes from {small[0]}×{small[1]} to "
            f"{large[0]}×{large[1]} only, not proven for the others: the symbolic trace specialises "
            f"({self.fallback})"
        )


class Specialised(Exception):
    """The symbolic trace cannot go on without a concrete size."""


# ------------------------------------------------------------------------------------------- expressions


def axis_form(expr: Any, symbol: Any) -> AxisForm | None:
    """PyTorch's size expression in one symbol as a normal form, or None when it is not a floor/ceil chain.

    Each rule is an exact identity on integers: x + k; floor(y / s) (FloorDiv); ceil(y / s) (CeilDiv).
    """
    import sympy
    from torch.utils._sympy.functions import CeilDiv, FloorDiv

    if expr == symbol:
        return AxisForm.identity()
    if expr.is_Integer:
        return AxisForm.constant(int(expr))
    if isinstance(expr, sympy.Add):
        rest = [a for a in expr.args if not a.is_Integer]
        shift = sum(int(a) for a in expr.args if a.is_Integer)
        inner = axis_form(rest[0], symbol) if len(rest) == 1 else None
        return inner.then(shift, 1) if inner is not None else None
    if isinstance(expr, FloorDiv | CeilDiv) and expr.args[1].is_Integer and int(expr.args[1]) > 0:
        inner, divisor = axis_form(expr.args[0], symbol), int(expr.args[1])
        if inner is None:
            return None
        return inner.then(divisor - 1 if isinstance(expr, CeilDiv) else 0, divisor)
    return None


def evaluate(expr: Any, values: dict[Any, Any]) -> Any:
    """`expr` (integer arithmetic, comparisons, logic of PyTorch's sympy functions) at numpy int64 arrays."""
    import numpy as np
    import sympy
    from torch.utils._sympy.functions import CeilDiv, FloorDiv, Max, Min, PythonMod

    def go(e: Any) -> Any:
        if e in values:
            return values[e]
        if e.is_Integer or e in (sympy.true, sympy.false):
            return int(e) if e.is_Integer else bool(e)
        args = [go(a) for a in e.args]
        table = {
            sympy.Add: lambda: sum(args[1:], args[0]),
            sympy.Mul: lambda: np.prod(np.broadcast_arrays(*args), axis=0) if len(args) > 1 else args[0],
            FloorDiv: lambda: np.floor_divide(args[0], args[1]),
            CeilDiv: lambda: -np.floor_divide(-args[0], args[1]),
            PythonMod: lambda: np.mod(args[0], args[1]),
            Max: lambda: np.maximum.reduce(np.broadcast_arrays(*args)),
            Min: lambda: np.minimum.reduce(np.broadcast_arrays(*args)),
            sympy.Ge: lambda: args[0] >= args[1],
            sympy.Gt: lambda: args[0] > args[1],
            sympy.Le: lambda: args[0] <= args[1],
            sympy.Lt: lambda: args[0] < args[1],
            sympy.Eq: lambda: args[0] == args[1],
            sympy.Ne: lambda: args[0] != args[1],
            sympy.And: lambda: np.logical_and.reduce(np.broadcast_arrays(*args)),
            sympy.Or: lambda: np.logical_or.reduce(np.broadcast_arrays(*args)),
            sympy.Not: lambda: np.logical_not(args[0]),
        }
        if e.func in table:
            return table[e.func]()
        if isinstance(e, sympy.Pow) and e.args[1].is_Integer and int(e.args[1]) >= 0:
            return args[0] ** int(e.args[1])
        raise Specialised(f"no integer evaluation for {e.func.__name__} in {e}")

    return go(expr)


def _domain(low: int, high: int) -> Any:
    import numpy as np

    return np.arange(low, high + 1, dtype=np.int64)


def _prove_axis(name: str, axis: str, expr: Any, symbol: Any, form: AxisForm, forms: ClosedForms) -> AxisProof:
    import numpy as np

    low = forms.min_height if axis == "H" else forms.min_width
    closed = form.text(axis)
    shown = str(expr).replace(str(symbol), axis)
    others = expr.free_symbols - {symbol} if hasattr(expr, "free_symbols") else set()
    if others:
        return AxisProof(name, axis, shown, closed, "normal form", witness=low)  # depends on the other axis
    parsed = axis_form(expr, symbol)
    method: Method = "normal form" if parsed is not None else "exhaustive"
    if parsed == form:
        return AxisProof(name, axis, shown, closed, method)
    x = _domain(low, forms.max_size)
    ours = np.full_like(x, form.offset) if form.is_constant else np.floor_divide(x + form.offset, form.divisor)
    theirs = np.broadcast_to(evaluate(expr, {symbol: x}), x.shape)
    differ = np.flatnonzero(theirs != ours)
    return AxisProof(name, axis, shown, closed, method, witness=int(x[differ[0]]) if differ.size else None)


def _settle(cond: Any, symbols: dict[Any, tuple[int, int]]) -> Any | None:
    """A branch condition that holds (or fails) at every size of the range: the fact to give PyTorch; else None."""
    import numpy as np
    import sympy

    free = list(cond.free_symbols)
    if cond.is_Integer or len(free) != 1 or free[0] not in symbols or not isinstance(cond, sympy.logic.boolalg.Boolean):
        return None
    low, high = symbols[free[0]]
    truth = np.broadcast_to(evaluate(cond, {free[0]: _domain(low, high)}), (high - low + 1,))
    if truth.all():
        return cond
    if not truth.any():
        return sympy.Not(cond)
    return None


# ----------------------------------------------------------------------------------------------- tracing


@contextlib.contextmanager
def _hooks(model: Any, seen: list[tuple[str, tuple]]) -> Iterator[None]:
    from .verify import leaf_modules

    handles = [
        module.register_forward_hook(lambda m, i, o, name=name: seen.append((name, tuple(o.shape))))
        for name, module in leaf_modules(model)
    ]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextlib.contextmanager
def _reference_kernels(used: set[str]) -> Iterator[None]:
    """Ops whose C++ meta kernels read a concrete size, run through their Python references in `torch._refs`
    (PyTorch's own shape logic, written on symbolic sizes); each one taken is added to `used`."""
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    aten = torch.ops.aten
    references = {aten.constant_pad_nd.default: torch._refs.constant_pad_nd}

    class References(TorchDispatchMode):
        def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            if func in references:
                used.add(func.overloadpacket.__name__)
                return references[func](*args, **(kwargs or {}))
            return func(*args, **(kwargs or {}))

    with References():
        yield


Shapes = list[tuple[str, tuple]]  # (leaf module name, output shape) per call


def symbolic_shapes(
    model: Any, forms: ClosedForms, references: set[str] | None = None
) -> tuple[Shapes, tuple[Any, Any], list[str]]:
    """One forward of `model` on a symbolic H×W input: (leaf name, output shape) per call, (H, W), facts used.
    The ops run through `torch._refs` are added to `references`."""
    import torch
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.fx.experimental.symbolic_shapes import GuardOnDataDependentSymNode, ShapeEnv

    env = ShapeEnv()
    # FakeTensorMode logs the traceback of a meta kernel that needs a concrete size before raising it: the
    # fallback reports that case in one line instead.
    quiet = logging.getLogger("torch._subclasses.fake_tensor")
    seen: list[tuple[str, tuple]] = []
    facts: list[str] = []
    was_training = model.training
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    used = set() if references is None else references
    with (
        FakeTensorMode(shape_env=env, allow_non_fake_inputs=True),
        torch.no_grad(),
        _hooks(model, seen),
        _reference_kernels(used),
    ):
        model.eval()
        h, w = env.create_unbacked_symint(), env.create_unbacked_symint()
        for value, low in ((h, forms.min_height), (w, forms.min_width)):
            torch._check(value >= low)
            torch._check(value <= forms.max_size)
        ranges = {h.node.expr: (forms.min_height, forms.max_size), w.node.expr: (forms.min_width, forms.max_size)}
        x = torch.empty(1, forms.spec.in_channels, h, w, device="meta")

        def shown(expr: Any) -> str:
            return str(expr).replace(str(h.node.expr), "H").replace(str(w.node.expr), "W")

        try:
            for unit, _, segment in model.segments():
                mark = len(seen)
                for _ in range(16):  # each retry settles one more branch; a block asks a few at most
                    try:
                        y = segment(x)
                        break
                    except GuardOnDataDependentSymNode as asked:
                        stuck = forms.layers[len(seen)].name if len(seen) < len(forms.layers) else unit
                        del seen[mark:]
                        fact = _settle(asked.cond, ranges) if asked.cond is not None else None
                        if fact is None:
                            what = (
                                "a concrete value of"
                                if asked.cond is not None and asked.cond.is_integer
                                else ("a branch on")
                            )
                            raise Specialised(f"{stuck} needs {what} {shown(asked.cond)}") from None
                        env.guard_or_defer_runtime_assert(fact, "proven over the whole range")
                        facts.append(f"{stuck}: {shown(fact)}")
                else:
                    raise Specialised(f"{unit}: more branches on sizes than expected")
                x = y
        except Specialised:
            raise
        except Exception as error:  # an op that PyTorch cannot run on symbolic sizes
            stuck = forms.layers[len(seen)].name if len(seen) < len(forms.layers) else "the end"
            raise Specialised(f"{stuck}: {first_line(error)[:160]}") from None
        finally:
            model.train(was_training)
            quiet.setLevel(level)
    return seen, (h.node.expr, w.node.expr), facts


FALLBACK_SIZES = (1, 2, 3, 5, 7, 29, 31, 32, 33, 64, 97, 224, 225, 257, 480, 511, 641, 1021, 2048, 4099, 8192)


def fallback_sizes(forms: ClosedForms) -> list[tuple[int, int]]:
    """A spread of sizes for per-size checks: the smallest valid ones, odd, prime, powers of two, non-square."""
    low = max(forms.min_height, forms.min_width)
    squares = sorted({max(s, low) for s in (*FALLBACK_SIZES, low, low + 1)})
    return [(s, s) for s in squares] + [(max(480, low), max(640, low)), (max(97, low), max(1021, low))]


def verify_symbolic(spec: ResNetSpec, *, forms: ClosedForms | None = None, model: Any = None) -> SymbolicVerification:
    """Prove `forms` (the spec's closed forms by default) equal to PyTorch's shapes of `model` at every size."""
    forms = closed_forms(spec) if forms is None else forms
    if model is None:
        from .model import build_model

        model = build_model(spec, device="meta")
    references: set[str] = set()
    try:
        seen, (h, w), facts = symbolic_shapes(model, forms, references)
        proofs, problems = _prove_all(forms, seen, h, w)
    except Specialised as why:
        return _per_size(spec, forms, model, str(why))
    return SymbolicVerification(
        forms, "symbolic", tuple(proofs), tuple(facts), tuple(problems), references=tuple(sorted(references))
    )


def _prove_all(forms: ClosedForms, seen: list[tuple[str, tuple]], h: Any, w: Any) -> tuple[list[AxisProof], list[str]]:
    """Each traced call against its layer's closed forms: the proofs per axis, and mismatches beyond sizes."""
    proofs, problems = [], []
    names = [layer.name for layer in forms.layers]
    if [name for name, _ in seen] != names:
        called = [n for n, _ in seen]
        first = next(
            (i for i, (a, b) in enumerate(zip(names, called, strict=False)) if a != b), min(len(called), len(names))
        )
        problems.append(
            f"the model's calls depart from the plan at call {first + 1}: "
            f"{seen[first][0] if first < len(seen) else 'none'} for "
            f"{names[first] if first < len(names) else 'none'}"
        )
    for layer, (_, shape) in zip(forms.layers, seen, strict=False):
        rank = 4 if layer.height is not None else 2
        static = [None if hasattr(d, "node") else int(d) for d in shape[:2]]  # batch and channels never vary
        if len(shape) != rank or static != [1, layer.channels]:
            problems.append(
                f"{layer.name}: PyTorch's output has shape {tuple(map(str, shape))}, the closed form "
                f"{layer.channels} channels and {rank} axes"
            )
            continue
        if layer.height is not None and layer.width is not None:
            for axis, symbol, dim, form in (("H", h, shape[2], layer.height), ("W", w, shape[3], layer.width)):
                expr = dim.node.expr if hasattr(dim, "node") else _integer(dim)
                proofs.append(_prove_axis(layer.name, axis, expr, symbol, form, forms))
    return proofs, problems


def _integer(value: int) -> Any:
    import sympy

    return sympy.Integer(int(value))


def _per_size(
    spec: ResNetSpec, forms: ClosedForms, model: Any, why: str, sizes: Sequence[tuple[int, int]] | None = None
) -> SymbolicVerification:
    """The fallback: the hooked model at each of `sizes`, against the closed forms evaluated there."""
    from ..core.shapes import trace
    from .verify import verify

    sizes = list(sizes or fallback_sizes(forms))
    proofs, problems = [], []
    for h, w in sizes:
        check = verify(trace(spec, h, w), model)
        problems += [f"at {h}×{w}: {p}" for p in check.problems]
        for layer, row in zip(forms.layers, check.checks, strict=False):  # a length mismatch is a problem above
            observed = row.observed_out_shape
            if layer.height is None or layer.width is None or observed is None:
                continue
            for axis, x, got, form in (("H", h, observed[2], layer.height), ("W", w, observed[3], layer.width)):
                proofs.append(
                    AxisProof(
                        layer.name, axis, str(got), form.text(axis), "per size", witness=None if form(x) == got else x
                    )
                )
    if not sizes:
        raise InspectError(f"{spec.name}: no size to check")
    return SymbolicVerification(
        forms, "per size", tuple(proofs), problems=tuple(problems), fallback=why, sizes_checked=tuple(sizes)
    )
