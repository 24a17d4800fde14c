"""How long `resnet-inspect check` takes on users' ResNets, against the floor of importing torch.

Three commands, each run as a fresh process, in turn (so that a busy machine slows all alike):

- floor: `python -c "import torch"`;
- a ResNet-50 written independently of this project (the corpus's `TableResNet50`), `check --depth 50`;
- a ResNet-1202 written as akamaster/pytorch_resnet_cifar10 writes its CIFAR nets (600 blocks, option-A
  lambda shortcuts), `check --arch resnet1202 --size 32`.

Each check loads the model, captures a copy, captures the reference, compares the structures and proves the
match (both networks run with the same random weights in float64), then prints. Prints the median wall time of
each and its ratio to the floor.

    python benchmarks/bench_check.py --repeats 5
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
from tests.corpus_models import AkamasterBasicBlock, AkamasterResNet, TableResNet50


def resnet50():
    return TableResNet50()


def resnet1202():
    return AkamasterResNet(AkamasterBasicBlock, [200, 200, 200])
"""


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        model = Path(folder) / "model.py"
        model.write_text(MODEL)
        check = [sys.executable, "-m", "resnet_inspect", "check"]
        commands = {
            "import torch": [sys.executable, "-c", "import torch"],
            "check of a ResNet-50": [*check, f"{model}:resnet50", "--depth", "50"],
            "check of a ResNet-1202": [*check, f"{model}:resnet1202", "--arch", "resnet1202", "--size", "32"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeats):
            for name, command in commands.items():
                times[name].append(wall(command))
    floor = statistics.median(times["import torch"])
    for name, runs in times.items():
        median = statistics.median(runs)
        print(f"{name}: {median:.2f} s, {median / floor:.2f}× the floor (median of {args.repeats})")


if __name__ == "__main__":
    main()
