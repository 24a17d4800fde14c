"""A sweep over 20,001 batch sizes against one table: `sweep --depth 50 --sizes 32 --batch 1,2,…,20001`.

The batch is a factor on every count (checked once against the rules at batch 2), so the sweep costs one
table's start-up plus its closed forms and 20,001 JSON points. Fresh processes, in turn, median of `--repeats`:

    python benchmarks/bench_sweep_batches.py --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    tool = [sys.executable, "-m", "resnet_inspect"]
    batches = ",".join(str(b) for b in range(1, 20_002))
    commands = {
        "table --depth 50": [*tool, "table", "--depth", "50", "--format", "json"],
        "sweep --depth 50 --sizes 32 --batch 1,…,20001": [
            *tool,
            "sweep",
            "--depth",
            "50",
            "--sizes",
            "32",
            "--batch",
            batches,
            "--format",
            "json",
        ],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.repeats):
        for name, command in commands.items():
            times[name].append(wall(command))
    table = statistics.median(times["table --depth 50"])
    for name, runs in times.items():
        print(f"{name}: {statistics.median(runs):.2f} s, {statistics.median(runs) / table:.2f}× one table")


if __name__ == "__main__":
    main()
