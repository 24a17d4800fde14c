"""resnet-inspect: what a ResNet does at a given input size, layer by layer, verified.

Torch is imported only by what needs it: `build_model`, `analyze` and the verification and counting modules.
"""

from __future__ import annotations

from typing import Any

from .shapes import Trace, TracedLayer, conv_output_size, trace
from .spec import DEPTHS, REGISTRY, InspectError, ResNetSpec, get_spec, parse_size

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
    "parse_size",
    "trace",
]


def __getattr__(name: str) -> Any:
    # Lazy, so that `import resnet_inspect` does not import torch.
    if name == "build_model":
        from .model import build_model

        return build_model
    if name == "analyze":
        from .analysis import analyze

        return analyze
    raise AttributeError(f"module 'resnet_inspect' has no attribute {name!r}")
