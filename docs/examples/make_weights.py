"""Write the checkpoint the README's `check weights.pt` reads: the state_dict of a ResNet-50 as torchvision's layout
names it, saved by torch (no download). Run: `python docs/examples/make_weights.py [weights.pt]`."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from my_resnet import build  # the example next to this script


def torchvision_names(state):
    """my_resnet's `stages.I.J.` and `pool` are torchvision's `layerI+1.J.` (and a max pool owns no weights)."""
    out = {}
    for key, value in state.items():
        if key.startswith("stages."):
            _, stage, rest = key.split(".", 2)
            key = f"layer{int(stage) + 1}.{rest}"
        out[key] = value
    return out


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "weights.pt")
    torch.manual_seed(0)
    torch.save(torchvision_names(build().state_dict()), path)
    print(f"wrote {path}")
