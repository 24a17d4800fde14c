"""resnet-inspect: what a ResNet does at a given input size, layer by layer, verified.

Torch is imported only by what needs it: `build_model`, `analyze` and the verification and counting modules.
"""

from __future__ import annotations

from typing import Any

from .core.configs import DEPTHS, REGISTRY, get_spec, parse_arch
from .core.errors import InspectError
from .core.ops import conv_output_size
from .core.shapes import Trace, TracedLayer, trace
from .core.spec import ResNetSpec, parse_size, with_knobs

__all__ = [
    "DEPTHS",
    "REGISTRY",
    "InspectError",
    "ResNetSpec",
    "Trace",
    "TracedLayer",
    "analyze",
    "build_model",
    "conv_output_size",
    "get_spec",
    "parse_arch",
    "parse_size",
    "trace",
    "with_knobs",
]


def __getattr__(name: str) -> Any:
    # Lazy, so that `import resnet_inspect` does not import torch.
    if name == "build_model":
        from .core.model import build_model

        return build_model
    if name == "analyze":
        from .features.table import analyze

        return analyze
    raise AttributeError(f"module 'resnet_inspect' has no attribute {name!r}")
