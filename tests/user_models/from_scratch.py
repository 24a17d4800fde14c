"""ResNets as people write them from scratch, for `resnet-inspect check`: one correct, the rest with one quiet
mistake each. Written independently of the project's model code: other names, other structure (the
shortcut computed first, a stem in a Sequential, a functional ReLU)."""

import torch
import torch.nn.functional as F
from torch import nn


class Unit(nn.Module):
    """A basic residual unit, with knobs for the mistakes."""

    def __init__(self, cin, cout, stride=1, second_kernel=3, projection_always=False, bias_first=False, zero_pad=False):
        super().__init__()
        self.zero_pad = zero_pad and (stride != 1 or cin != cout)
        self.extra, self.stride = cout - cin, stride
        self.conv_a = nn.Conv2d(cin, cout, 3, stride, 1, bias=bias_first)
        self.norm_a = nn.BatchNorm2d(cout)
        self.conv_b = nn.Conv2d(cout, cout, second_kernel, 1, second_kernel // 2, bias=False)
        self.norm_b = nn.BatchNorm2d(cout)
        needs = (stride != 1 or cin != cout or projection_always) and not zero_pad
        self.skip = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)) if needs else None

    def forward(self, x):
        if self.zero_pad:  # the paper's option A: subsample, then zero channels
            skip = F.pad(x[:, :, :: self.stride, :: self.stride], (0, 0, 0, 0, 0, self.extra))
        else:
            skip = x if self.skip is None else self.skip(x)  # the shortcut first
        y = F.relu(self.norm_a(self.conv_a(x)))
        y = self.norm_b(self.conv_b(y))
        return F.relu(y + skip)


class Net18(nn.Module):
    def __init__(self, num_classes=1000, mistake=None):
        super().__init__()
        self.entry = nn.Sequential(
            nn.Conv2d(3, 64, 7, 2, 3, bias=mistake == "stem_bias"),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2, 1),
        )
        units, cin = [], 64
        for stage, cout in enumerate((64, 128, 256, 512)):
            for index in range(2):
                stride = 2 if stage and not index else 1
                units.append(
                    Unit(
                        cin,
                        cout,
                        stride,
                        second_kernel=1 if (mistake == "one_by_one" and stage == 0 and index == 0) else 3,
                        projection_always=mistake == "projection" and stage == 0 and index == 0,
                        zero_pad=mistake == "option_a",
                    )
                )
                cin = cout
        self.units = nn.Sequential(*units)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classify = nn.Linear(512, num_classes)

    def forward(self, x):
        return self.classify(torch.flatten(self.pool(self.units(self.entry(x))), 1))


def correct():
    return Net18()


def one_by_one():
    return Net18(mistake="one_by_one")


def projection():
    return Net18(mistake="projection")


def stem_bias():
    return Net18(mistake="stem_bias")


def option_a():
    return Net18(mistake="option_a")


def ten_classes(num_classes=1000):
    return Net18(num_classes=num_classes)


class Bottleneck(nn.Module):
    def __init__(self, cin, width, stride, stride_on_first):
        super().__init__()
        s1, s2 = (stride, 1) if stride_on_first else (1, stride)
        self.reduce = nn.Conv2d(cin, width, 1, s1, bias=False)
        self.bn_r = nn.BatchNorm2d(width)
        self.spatial = nn.Conv2d(width, width, 3, s2, 1, bias=False)
        self.bn_s = nn.BatchNorm2d(width)
        self.expand = nn.Conv2d(width, 4 * width, 1, bias=False)
        self.bn_e = nn.BatchNorm2d(4 * width)
        self.project = None
        if stride != 1 or cin != 4 * width:
            self.project = nn.Sequential(nn.Conv2d(cin, 4 * width, 1, stride, bias=False), nn.BatchNorm2d(4 * width))

    def forward(self, x):
        y = F.relu(self.bn_r(self.reduce(x)))
        y = F.relu(self.bn_s(self.spatial(y)))
        y = self.bn_e(self.expand(y))
        return F.relu(y + (x if self.project is None else self.project(x)))


class Net50(nn.Module):
    def __init__(self, stride_on_first=False, num_classes=1000):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)
        )
        blocks, cin = [], 64
        for stage, (width, count) in enumerate(zip((64, 128, 256, 512), (3, 4, 6, 3), strict=True)):
            for index in range(count):
                blocks.append(Bottleneck(cin, width, 2 if stage and not index else 1, stride_on_first))
                cin = 4 * width
        self.body = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, num_classes))

    def forward(self, x):
        return self.head(self.body(self.stem(x)))


def resnet50_v15():
    return Net50()


def resnet50_v1():
    return Net50(stride_on_first=True)


class NotAModel:
    pass


def broken():
    raise RuntimeError("CUDA is required for this model")
