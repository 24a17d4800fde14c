import torch

# Two cores: keep intra-op threads from fighting pytest-level work, and results repeatable.
torch.set_num_threads(2)
