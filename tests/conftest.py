import datetime
import os
import random

import torch

# Every test proves what it checks: no answer from a proof cache another run left (a test that breaks a model
# on purpose must see it break). The cache's own tests give it a folder of their own.
os.environ["RESNET_INSPECT_CACHE"] = "off"

# Two cores: keep intra-op threads from fighting pytest-level work, and results repeatable.
torch.set_num_threads(2)


def pytest_addoption(parser):
    parser.addoption(
        "--shuffle",
        metavar="SEED",
        type=int,
        default=None,
        help="Run the modules, and the tests in each, in the order random.Random(SEED) shuffles them into (default: "
        "today's date, UTC, as YYYYMMDD, so each day tries a new order): to catch tests that pass only after (or "
        "before) another.",
    )
    parser.addoption("--no-shuffle", action="store_true", help="Run the tests in the order they are written.")


def _seed(config) -> int | None:
    if config.getoption("--no-shuffle"):
        return None
    seed = config.getoption("--shuffle")
    return int(datetime.datetime.now(datetime.UTC).strftime("%Y%m%d")) if seed is None else seed


def pytest_collection_modifyitems(config, items):
    """The modules in a shuffled order, and each module's tests in a shuffled order, each module's kept together: a
    module-scoped fixture (the regenerated docs, the corpus checked once) is then built once, not once per visit."""
    seed = _seed(config)
    if seed is None:
        return
    shuffle = random.Random(seed).shuffle
    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)
    order = list(modules)
    shuffle(order)
    for module in order:
        shuffle(modules[module])
    items[:] = [item for module in order for item in modules[module]]


def pytest_report_header(config):
    seed = _seed(config)
    if seed is None:
        return "in file order (--no-shuffle)"
    return f"shuffled with --shuffle {seed} (rerun with the same seed to repeat the order; --no-shuffle for file order)"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: an exhaustive sweep over every config or size (deselect: -m 'not slow')")
