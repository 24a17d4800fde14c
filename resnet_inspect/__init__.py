"""resnet-inspect: what a ResNet does at a given input size, layer by layer, verified.

The library in one import (`import resnet_inspect as ri`); each question is one call returning a result that says
itself as JSON (`.to_json()`), a DataFrame (`.to_dataframe()`), a notebook table and a short `repr`:

    ri.analyze("resnet50", 512)              # the table: every layer traced, hooked and counted
    ri.analyze_model(my_model, 32)           # the same table for any nn.Module
    ri.check(my_model, "resnet18", 32)       # hold your ResNet (or a checkpoint path) against a config
    ri.compare("resnet18", "resnet50")       # networks stage by stage
    ri.diff("resnet50:stride_in=v1", "resnet50")  # two configs block by block
    ri.sweep("resnet50", "32:1024:32")       # one network over many input sizes
    ri.blocks(64, 56)                        # basic against bottleneck at one place
    ri.paper()                               # the paper's Table 1, computed
    ri.profile("resnet18", 64)               # measured time per stage

Torch is imported only by what needs it: `import resnet_inspect` does not.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .core.configs import DEPTHS, REGISTRY, get_spec, parse_arch
from .core.errors import InspectError
from .core.ops import conv_output_size
from .core.shapes import Trace, TracedLayer, trace
from .core.spec import ResNetSpec, parse_size, with_knobs
from .records import SCHEMA_VERSION

# The library's calls that need torch, each imported when first used: name → (module, attribute).
_LAZY = {
    "analyze": ("api", "analyze"),
    "analyze_model": ("features.model_table", "analyze_model"),
    "archs": ("features.catalog", "catalog_at"),
    "blocks": ("features.blocks", "compare_blocks"),
    "build_model": ("runtime.model", "build_model"),
    "check": ("features.check", "check"),
    "diff": ("api", "diff"),
    "explain": ("api", "explain"),
    "paper": ("api", "paper"),
    "profile": ("api", "profile"),
    "compare": ("api", "compare"),
    "sweep": ("features.sweep", "sweep"),
}

__all__ = [
    "DEPTHS",
    "REGISTRY",
    "SCHEMA_VERSION",
    "InspectError",
    "ResNetSpec",
    "Trace",
    "TracedLayer",
    "conv_output_size",
    "get_spec",
    "parse_arch",
    "parse_size",
    "trace",
    "with_knobs",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attribute = _LAZY[name]
        value = getattr(import_module(f".{module}", __name__), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'resnet_inspect' has no attribute {name!r}")
