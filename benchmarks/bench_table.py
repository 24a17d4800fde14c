"""How long `resnet-inspect table` takes, against the floor of importing torch and fvcore and against fvcore's own path.

Three commands per input size, each run as a fresh process (start-up is part of what a user waits for):

- floor:   `python -c "import torch, fvcore.nn"`: nothing can be faster than its imports;
- ours:    `resnet-inspect table --depth 152 --size S --format json`: trace, hooked model, counts, JSON;
- fvcore:  `FlopCountAnalysis` + `flop_count_table` on the same model: the usual way, with a real forward.

And sweeps against one table, ResNet-50, each a fresh process too:

- table:   `resnet-inspect table --depth 50 --format json`: one size, verified;
- sweep:   `resnet-inspect sweep --depth 50 --sizes 32:1024:1 --format json` (993 sizes) and `32:8192:1`
           (8,161 sizes): every size on the closed forms, the hooked model at 8 of them.

Reports the median wall time of several runs, each process's peak memory (max RSS), and the ratios, measured
in one run on one machine, to benchmarks/RESULTS.md.

    python benchmarks/bench_table.py                 # sizes 224, 1024, 4096, and the sweeps
    python benchmarks/bench_table.py --repeats 3 --sizes 224,512
    python benchmarks/bench_table.py --sweeps 32:1024:1,32:8192:1 --no-fvcore
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent

FVCORE_SCRIPT = """
import sys, torch
from fvcore.nn import FlopCountAnalysis, flop_count_table
from resnet_inspect import build_model
size = int(sys.argv[1])
model = build_model(152).eval()
with torch.no_grad():
    analysis = FlopCountAnalysis(model, torch.zeros(1, 3, size, size))
    analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    table = flop_count_table(analysis)
print(len(table), analysis.total())
"""


@dataclass
class Timing:
    seconds: float  # median wall time
    peak_mib: float  # max RSS of the process, the largest over the runs
    runs: int


def measure(command: list[str], repeats: int) -> Timing:
    walls, peaks = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        walls.append(time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()[-500:]}")
        process.stderr.close()
        peaks.append(usage.ru_maxrss / 1024)  # KiB on Linux
    return Timing(statistics.median(walls), max(peaks), repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="224,1024,4096")
    parser.add_argument("--repeats", type=int, default=5, help="runs per command (median is reported)")
    parser.add_argument("--fvcore-repeats", type=int, default=1, help="runs of the slow fvcore forward path")
    parser.add_argument("--sweeps", default="32:1024:1,32:8192:1", help="sweep ranges to time against one table")
    parser.add_argument("--no-fvcore", action="store_true", help="leave out fvcore's forward path (slow)")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    beside_python = Path(sys.executable).parent / "resnet-inspect"
    cli = str(beside_python) if beside_python.exists() else shutil.which("resnet-inspect")
    if cli is None:
        sys.exit("resnet-inspect is not installed: pip install -e .")
    load_before = os.getloadavg()[0]  # a shared machine slows every command alike: the ratios hold, not the times
    floor = measure([sys.executable, "-c", "import torch, fvcore.nn"], args.repeats)
    print(f"floor (import torch, fvcore.nn): {floor.seconds:.2f} s, {floor.peak_mib:.0f} MiB", flush=True)

    rows = []
    for size in sizes:
        ours = measure([cli, "table", "--depth", "152", "--size", str(size), "--format", "json"], args.repeats)
        print(f"{size}: resnet-inspect {ours.seconds:.2f} s, {ours.peak_mib:.0f} MiB", flush=True)
        fv = None if args.no_fvcore else measure([sys.executable, "-c", FVCORE_SCRIPT, str(size)], args.fvcore_repeats)
        if fv is not None:
            print(f"{size}: fvcore forward {fv.seconds:.2f} s, {fv.peak_mib:.0f} MiB", flush=True)
        rows.append((size, ours, fv))

    table50 = measure([cli, "table", "--depth", "50", "--format", "json"], args.repeats)
    print(f"table --depth 50: {table50.seconds:.2f} s, {table50.peak_mib:.0f} MiB", flush=True)
    sweeps = []
    for sizes in filter(None, args.sweeps.split(",")):
        timing = measure([cli, "sweep", "--depth", "50", "--sizes", sizes, "--format", "json"], args.repeats)
        print(f"sweep {sizes}: {timing.seconds:.2f} s, {timing.peak_mib:.0f} MiB", flush=True)
        sweeps.append((sizes, timing))

    load_after = os.getloadavg()[0]
    lines = [
        "# Benchmark: `resnet-inspect table --depth 152 --format json`",
        "",
        f"Measured in one run of `python benchmarks/bench_table.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; median of {args.repeats} fresh processes "
        f"({args.fvcore_repeats} for fvcore's forward path). Peak memory is the process's max RSS. Load average "
        f"{load_before:.1f} at the start and {load_after:.1f} at the end: other work on the machine slows every "
        "command alike, so compare the ratios, not the times, across runs.",
        "",
        f'Floor, `python -c "import torch, fvcore.nn"`: {floor.seconds:.2f} s, {floor.peak_mib:.0f} MiB.',
        "",
        "| size | resnet-inspect | × floor | peak MiB | fvcore FlopCountAnalysis + table | × floor | peak MiB "
        "| fvcore ÷ resnet-inspect |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, ours, fv in rows:
        fvcore = (
            (
                f"| {fv.seconds:.2f} s | {fv.seconds / floor.seconds:.1f}× | {fv.peak_mib:.0f} "
                f"| {fv.seconds / ours.seconds:.1f}× |"
            )
            if fv
            else "| — | — | — | — |"
        )
        lines.append(
            f"| {size}×{size} | {ours.seconds:.2f} s | {ours.seconds / floor.seconds:.2f}× | {ours.peak_mib:.0f} "
            + fvcore
        )
    lines += [
        "",
        "resnet-inspect verifies every layer of the real model with forward hooks on an empty batch (N = 0),",
        "so neither its time nor its memory grows with the input size; fvcore's own path runs a real forward.",
        "",
        "## Sweeps against one table: ResNet-50, `--format json`",
        "",
        "| command | sizes | time | × table | × floor | peak MiB | × table's peak |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| `table --depth 50` | 1 | {table50.seconds:.2f} s | 1.00× | {table50.seconds / floor.seconds:.2f}× "
        f"| {table50.peak_mib:.0f} | 1.00× |",
    ]
    for sizes, timing in sweeps:
        start, stop, *step = (int(v) for v in sizes.split(":"))
        count = (stop - start) // (step[0] if step else 1) + 1
        lines.append(
            f"| `sweep --depth 50 --sizes {sizes}` | {count:,} | {timing.seconds:.2f} s "
            f"| {timing.seconds / table50.seconds:.2f}× | {timing.seconds / floor.seconds:.2f}× "
            f"| {timing.peak_mib:.0f} | {timing.peak_mib / table50.peak_mib:.2f}× |"
        )
    lines += [
        "",
        "A sweep evaluates every size on the closed forms (`core/closed_form.py`: exact at every size, the op",
        "table's count rules applied once per distinct layer over all sizes together) and runs the hooked model,",
        "layer by layer, at 8 of the sizes; its cost is one table's start-up plus those 8 checks, at any count.",
    ]
    args.output.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
