"""How long `resnet-inspect check` takes on a user's ResNet-50, against the floor of importing torch.

Two commands, each run as a fresh process, alternately (so that a busy machine slows both alike):

- floor: `python -c "import torch"`;
- ours:  `resnet-inspect check model.py:build --depth 50`, where `model.py` builds a ResNet-50 written
  independently of this project (the corpus's `TableResNet50`): load it, capture a copy, capture the reference,
  compare, print.

Prints the median wall time of each and their ratio.

    python benchmarks/bench_check.py --repeats 7
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from tests.corpus_models import TableResNet50


def build():
    return TableResNet50()
"""


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        model = Path(folder) / "model.py"
        model.write_text(MODEL)
        floor, ours = [], []
        for _ in range(args.repeats):
            floor.append(wall([sys.executable, "-c", "import torch"]))
            ours.append(wall([sys.executable, "-m", "resnet_inspect", "check", f"{model}:build", "--depth", "50"]))
    f, o = statistics.median(floor), statistics.median(ours)
    print(
        f"import torch: {f:.2f} s; check of a ResNet-50: {o:.2f} s; {o / f:.2f}× the floor (median of {args.repeats})"
    )


if __name__ == "__main__":
    main()
