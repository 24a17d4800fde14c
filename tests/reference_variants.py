"""Independent implementations of the variants, written the way their home projects lay them out.

- `TimmStyleResNet`: torchvision's layout plus timm's knobs (deep stem `conv1.0..6`, `downsample.0/1/2`
  average-pooled shortcut, grouped and widened bottlenecks), so state_dicts can be compared key for key.
- `FastaiStyleXResNet`: fastai's XResNet layout (an `nn.Sequential` of ConvLayers and ResBlocks whose identity
  path pools, then convs), for parameter and MAC totals only: its names are fastai's, not torchvision's.
- `D2lResNet18`: d2l.ai's ResNet-18 (section 8.6), biased convs and a bare 1×1 conv shortcut.
None of them shares code with `resnet_inspect`.
"""

from __future__ import annotations

import torch
from torch import nn


def _conv_bn(cin: int, cout: int, k: int, stride: int = 1, groups: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]


class TimmBlock(nn.Module):
    def __init__(self, bottleneck, cin, planes, stride, groups, base_width, avg_down):
        super().__init__()
        self.bottleneck = bottleneck
        cout = planes * (4 if bottleneck else 1)
        if bottleneck:
            width = int(planes * base_width / 64) * groups
            self.conv1, self.bn1 = _conv_bn(cin, width, 1)
            self.conv2, self.bn2 = _conv_bn(width, width, 3, stride, groups)
            self.conv3, self.bn3 = _conv_bn(width, cout, 1)
        else:
            self.conv1, self.bn1 = _conv_bn(cin, planes, 3, stride)
            self.conv2, self.bn2 = _conv_bn(planes, cout, 3)
        self.act = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            if avg_down:
                pool = nn.AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False) if stride > 1 else nn.Identity()
                self.downsample = nn.Sequential(pool, *_conv_bn(cin, cout, 1))
            else:
                self.downsample = nn.Sequential(*_conv_bn(cin, cout, 1, stride))

    def forward(self, x):
        y = self.act(self.bn1(self.conv1(x)))
        if self.bottleneck:
            y = self.act(self.bn2(self.conv2(y)))
            y = self.bn3(self.conv3(y))
        else:
            y = self.bn2(self.conv2(y))
        return self.act(y + (x if self.downsample is None else self.downsample(x)))


class TimmStyleResNet(nn.Module):
    def __init__(self, layers, bottleneck, *, deep_stem=False, avg_down=False, groups=1, base_width=64):
        super().__init__()
        if deep_stem:
            self.conv1 = nn.Sequential(
                *_conv_bn(3, 32, 3, 2),
                nn.ReLU(inplace=True),
                *_conv_bn(32, 32, 3),
                nn.ReLU(inplace=True),
                nn.Conv2d(32, 64, 3, 1, 1, bias=False),
            )
        else:
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.act1 = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = 64
        for i, (planes, count) in enumerate(zip((64, 128, 256, 512), layers, strict=True)):
            blocks = []
            for j in range(count):
                stride = 2 if i and not j else 1
                blocks.append(TimmBlock(bottleneck, cin, planes, stride, groups, base_width, avg_down))
                cin = planes * (4 if bottleneck else 1)
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, 1000)

    def forward(self, x):
        x = self.maxpool(self.act1(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.global_pool(x).flatten(1))


def _conv_layer(ni, nf, ks=3, stride=1, act=True):
    layers = [nn.Conv2d(ni, nf, ks, stride, ks // 2, bias=False), nn.BatchNorm2d(nf)]
    return nn.Sequential(*layers, *([nn.ReLU(inplace=True)] if act else []))


class FastaiResBlock(nn.Module):
    """fastai's ResBlock: conv path; identity path = pool (if strided) then a 1×1 ConvLayer (if widths differ)."""

    def __init__(self, expansion, ni, nh, stride):
        super().__init__()
        nf, ni = nh * expansion, ni * expansion
        if expansion == 1:
            self.convs = nn.Sequential(_conv_layer(ni, nh, 3, stride), _conv_layer(nh, nf, 3, act=False))
        else:
            self.convs = nn.Sequential(
                _conv_layer(ni, nh, 1), _conv_layer(nh, nh, 3, stride), _conv_layer(nh, nf, 1, act=False)
            )
        self.idconv = nn.Identity() if ni == nf else _conv_layer(ni, nf, 1, act=False)
        self.pool = nn.Identity() if stride == 1 else nn.AvgPool2d(2, ceil_mode=True)

    def forward(self, x):
        return torch.relu(self.convs(x) + self.idconv(self.pool(x)))


class FastaiStyleXResNet(nn.Sequential):
    def __init__(self, expansion, layers, c_in=3, n_out=1000):
        sizes = [c_in, 32, 32, 64]
        stem = [_conv_layer(sizes[i], sizes[i + 1], stride=2 if i == 0 else 1) for i in range(3)]
        szs = [64 // expansion, 64, 128, 256, 512]
        blocks = [
            nn.Sequential(
                *[
                    FastaiResBlock(
                        expansion, szs[i] if j == 0 else szs[i + 1], szs[i + 1], (1 if i == 0 else 2) if j == 0 else 1
                    )
                    for j in range(n)
                ]
            )
            for i, n in enumerate(layers)
        ]
        super().__init__(
            *stem,
            nn.MaxPool2d(3, 2, 1),
            *blocks,
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(szs[-1] * expansion, n_out),
        )


class D2lResidual(nn.Module):
    def __init__(self, cin, cout, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv3 = nn.Conv2d(cin, cout, 1, stride=strides) if use_1x1conv else None
        self.bn1, self.bn2 = nn.BatchNorm2d(cout), nn.BatchNorm2d(cout)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (x if self.conv3 is None else self.conv3(x)))


def D2lResNet18(num_classes=10, in_channels=1):
    def stage(cin, cout, first):
        return nn.Sequential(
            D2lResidual(cin, cout, use_1x1conv=not first, strides=1 if first else 2), D2lResidual(cout, cout)
        )

    return nn.Sequential(
        nn.Sequential(nn.Conv2d(in_channels, 64, 7, 2, 3), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)),
        stage(64, 64, True),
        stage(64, 128, False),
        stage(128, 256, False),
        stage(256, 512, False),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(512, num_classes),
    )
