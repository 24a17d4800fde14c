"""The library's calls whose arguments differ from the feature they reach: a spec or name where the feature takes
ints, sizes as text; each returns the feature's result unchanged."""

from __future__ import annotations

from typing import Any

from .core.configs import parse_arch
from .core.spec import ResNetSpec, parse_size


def analyze(arch: Any = 50, size: int | str | tuple[int, int] | None = None, **options: Any):
    """`features.table.analyze` for a spec, a config or a depth; an `nn.Module` is captured as it is, whatever it is
    (`features.model_table.analyze_model`)."""
    if hasattr(arch, "named_parameters") and callable(arch):
        from .features.model_table import analyze_model

        return analyze_model(arch, size, batch=options.get("batch", 1))
    from .features.table import analyze as analyze_spec

    return analyze_spec(arch, size, **options)


def compare(*archs: ResNetSpec | str | int, size: int | str | tuple[int, int] | None = None, batch: int = 1):
    """Networks side by side, stage by stage: `compare("resnet18", "resnet50")` (at the first one's own size)."""
    from .features.compare import compare_networks

    return compare_networks([parse_arch(a) for a in archs], None if size is None else parse_size(size), batch=batch)


def paper(
    size: int | str | tuple[int, int] | None = None, *, cifar: bool = False, stride_in: str = "v1", shortcut: str = "A"
):
    """The paper's Table 1 (or with `cifar`, its Table 6) computed at `size` (224, or 32 for Table 6)."""
    from .features.paper import cifar_table, paper_table

    if cifar:
        return cifar_table(parse_size(32 if size is None else size))
    return paper_table(parse_size(224 if size is None else size), stride_in=stride_in, shortcut=shortcut)


def profile(arch: ResNetSpec | str | int = 50, size: int | str | tuple[int, int] | None = None, **options: Any):
    """Measured time per stage and block of the real model (`features.profile.profile`'s options)."""
    from .features.profile import profile as run

    spec = parse_arch(arch)
    return run(spec, parse_size(spec.default_size if size is None else size), **options)


def explain(
    arch: ResNetSpec | str | int, layer: str, size: int | str | tuple[int, int] | None = None, *, batch: int = 1
):
    """One layer's arithmetic with its numbers put in (`explain("resnet50", "layer2.0.conv2")`)."""
    from .features.explain import explanation
    from .features.table import analyze

    return explanation(analyze(arch, size, batch=batch), layer)


def diff(a: ResNetSpec | str | int, b: ResNetSpec | str | int, size: int | str | tuple[int, int] | None = None):
    """Two configs block by block: the layers whose op, shape, parameters or MACs differ (`diff(a, b).records()`)."""
    from .features.compare import diff_networks
    from .features.table import analyze

    first = analyze(a, size)
    return diff_networks(first, analyze(b, first.input_shape[2:]))
