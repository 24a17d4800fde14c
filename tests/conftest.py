import random

import torch

# Two cores: keep intra-op threads from fighting pytest-level work, and results repeatable.
torch.set_num_threads(2)


def pytest_addoption(parser):
    parser.addoption(
        "--shuffle",
        metavar="SEED",
        type=int,
        default=None,
        help="Run the collected tests in an order shuffled by random.Random(SEED): to catch tests that pass only "
        "after (or before) another.",
    )


def pytest_collection_modifyitems(config, items):
    seed = config.getoption("--shuffle")
    if seed is not None:
        random.Random(seed).shuffle(items)


def pytest_report_header(config):
    seed = config.getoption("--shuffle")
    return None if seed is None else f"shuffled with --shuffle {seed} (rerun with the same seed to repeat the order)"
