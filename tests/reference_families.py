"""Independent reference implementations of four more ResNet families, for layer-by-layer checks.

Each builder is written from the public layout of its home code, with that code's module names, and shares
nothing with `resnet_inspect`:

- `cifar_resnet(n)`: He et al. 2015 (arXiv:1512.03385) Sec. 4.2, ResNet-(6n+2) for CIFAR-10, laid out like
  akamaster/pytorch_resnet_cifar10 (`conv1`, `bn1`, `layer1..3`, `linear`, option-A `LambdaLayer` shortcuts).
- `preact_resnet_timm(depth)`: timm's `resnetv2_{18,34,50,101,152}` (pre-activation, BatchNorm+ReLU norms,
  `stem.conv`, `stages.i.blocks.j.*`, `norm`, `head.fc` as a 1×1 conv).
- `preact_resnet_cifar(depth)`: He et al. 2016 "Identity Mappings" (arXiv:1603.05027) ResNet-164/1001 for
  CIFAR, following KaimingHe/resnet-1k-layers `resnet-pre-act.lua`; names as in kuangliu/pytorch-cifar's
  `PreActBottleneck` (`bn1 conv1 bn2 conv2 bn3 conv3 shortcut`) plus a final `bn` and `linear`.
- `se_resnet_timm(depth)`: timm's `seresnet{18,34,50,101,152}` (timm `ResNet` + `SEModule` named `se`).
- `dilated_resnet(depth, output_stride)`: torchvision's `resnetN(replace_stride_with_dilation=...)`, with timm's
  dilated `BasicBlock` for depth 18/34 (torchvision refuses dilation in basic blocks).

`leaf_records(model, input_shape)` runs one forward with hooks on every leaf module and returns, per call, the
module's name, class, output shape, own parameter count and conv/linear multiply-accumulates.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

STAGE_DEPTHS: dict[int, tuple[bool, list[int]]] = {  # depth -> (bottleneck?, blocks per stage), He et al. Table 1
    18: (False, [2, 2, 2, 2]),
    34: (False, [3, 4, 6, 3]),
    50: (True, [3, 4, 6, 3]),
    101: (True, [3, 4, 23, 3]),
    152: (True, [3, 8, 36, 3]),
}
IMAGENET_WIDTHS = (64, 128, 256, 512)


def _imagenet_layout(depth: int) -> tuple[bool, list[int]]:
    if depth not in STAGE_DEPTHS:
        raise ValueError(f"depth must be one of {sorted(STAGE_DEPTHS)}, got {depth}")
    return STAGE_DEPTHS[depth]


# ---------------------------------------------------------------------------------------------------------------
# (a) CIFAR ResNet, option A shortcuts (akamaster/pytorch_resnet_cifar10, resnet.py)
# ---------------------------------------------------------------------------------------------------------------


class LambdaLayer(nn.Module):
    """Wraps a parameter-free function as a module (akamaster's `LambdaLayer`)."""

    def __init__(self, lambd: Callable[[torch.Tensor], torch.Tensor]) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lambd(x)


class CifarBasicBlock(nn.Module):
    """akamaster `BasicBlock`, option A: where the shape changes the shortcut is `x[:, :, ::2, ::2]` with
    `planes // 4` zero channels padded before and after (akamaster's F.pad; 16→32 and 32→64 both double)."""

    expansion = 1

    def __init__(self, in_planes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut: nn.Module = nn.Sequential()  # akamaster: an empty Sequential is the identity
        if stride != 1 or in_planes != planes:
            pad = planes // 4
            self.shortcut = LambdaLayer(lambda x: F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, pad, pad), "constant", 0.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + self.shortcut(x)
        return F.relu(out)


class CifarResNet(nn.Module):
    """akamaster `ResNet`: 3×3 conv 3→16 + BN + ReLU, three stages of n blocks (16/32/64), avg pool, `linear`."""

    def __init__(self, num_blocks: list[int], num_classes: int = 10) -> None:
        super().__init__()
        self.in_planes = 16
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self._make_layer(16, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(32, num_blocks[1], stride=2)
        self.layer3 = self._make_layer(64, num_blocks[2], stride=2)
        self.linear = nn.Linear(64, num_classes)

    def _make_layer(self, planes: int, num_blocks: int, stride: int) -> nn.Sequential:
        layers = []
        for s in [stride] + [1] * (num_blocks - 1):
            layers.append(CifarBasicBlock(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.avg_pool2d(out, out.size()[3])
        return self.linear(out.view(out.size(0), -1))


def cifar_resnet(n: int, num_classes: int = 10) -> nn.Module:
    """ResNet-(6n+2) for CIFAR-10 (He et al. 2015, Sec. 4.2): n = 3, 5, 7, 9, 18, 200 → 20, 32, 44, 56, 110, 1202."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    return CifarResNet([n, n, n], num_classes)


# ---------------------------------------------------------------------------------------------------------------
# (b) timm resnetv2_* (pre-activation, BatchNorm), timm/models/resnetv2.py
# ---------------------------------------------------------------------------------------------------------------


class BatchNormAct2d(nn.BatchNorm2d):
    """timm's `BatchNormAct2d` (BN then ReLU in one module). timm keeps the ReLU as a child `act`; here it is
    applied functionally so that the norm stays one leaf module under its timm name (`norm1`, `norm`...)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(super().forward(x), inplace=True)


class DownsampleConv(nn.Module):
    """timm `DownsampleConv` with preact=True: a 1×1 conv (no bias); its `norm` is nn.Identity in timm (omitted)."""

    def __init__(self, in_chs: int, out_chs: int, stride: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_chs, out_chs, 1, stride=stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class PreActBasic(nn.Module):
    """timm `PreActBasic`: norm1 → conv1 3×3 (stride) → norm2 → conv2 3×3; shortcut projects the pre-activation
    only where stride or channels change."""

    def __init__(self, in_chs: int, out_chs: int, stride: int, first: bool) -> None:
        super().__init__()
        project = first and (stride != 1 or in_chs != out_chs)
        self.downsample = DownsampleConv(in_chs, out_chs, stride) if project else None
        self.norm1 = BatchNormAct2d(in_chs)
        self.conv1 = nn.Conv2d(in_chs, out_chs, 3, stride=stride, padding=1, bias=False)
        self.norm2 = BatchNormAct2d(out_chs)
        self.conv2 = nn.Conv2d(out_chs, out_chs, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_preact = self.norm1(x)
        shortcut = x if self.downsample is None else self.downsample(x_preact)
        x = self.conv2(self.norm2(self.conv1(x_preact)))
        return x + shortcut


class PreActBottleneck(nn.Module):
    """timm `PreActBottleneck`: norm1 → conv1 1×1 → norm2 → conv2 3×3 (stride) → norm3 → conv3 1×1 (4× width).
    timm hands its projection to the first block of every stage unconditionally (always a shape change here)."""

    def __init__(self, in_chs: int, out_chs: int, stride: int, first: bool) -> None:
        super().__init__()
        mid_chs = out_chs // 4
        self.downsample = DownsampleConv(in_chs, out_chs, stride) if first else None
        self.norm1 = BatchNormAct2d(in_chs)
        self.conv1 = nn.Conv2d(in_chs, mid_chs, 1, bias=False)
        self.norm2 = BatchNormAct2d(mid_chs)
        self.conv2 = nn.Conv2d(mid_chs, mid_chs, 3, stride=stride, padding=1, bias=False)
        self.norm3 = BatchNormAct2d(mid_chs)
        self.conv3 = nn.Conv2d(mid_chs, out_chs, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_preact = self.norm1(x)
        shortcut = x if self.downsample is None else self.downsample(x_preact)
        x = self.conv1(x_preact)
        x = self.conv2(self.norm2(x))
        x = self.conv3(self.norm3(x))
        return x + shortcut


class ResNetStage(nn.Module):
    """timm `ResNetStage`: a `blocks` Sequential; stride and projection on block 0."""

    def __init__(self, block_fn: type[nn.Module], in_chs: int, out_chs: int, stride: int, depth: int) -> None:
        super().__init__()
        self.blocks = nn.Sequential()
        for idx in range(depth):
            self.blocks.add_module(str(idx), block_fn(in_chs, out_chs, stride if idx == 0 else 1, idx == 0))
            in_chs = out_chs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)


class ClassifierHead(nn.Module):
    """timm `ClassifierHead(use_conv=True)`: global average pool, `fc` as a 1×1 conv with bias, flatten."""

    def __init__(self, in_features: int, num_classes: int) -> None:
        super().__init__()
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Conv2d(in_features, num_classes, 1, bias=True)
        self.flatten = nn.Flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.flatten(self.fc(self.global_pool(x)))


class ResNetV2(nn.Module):
    """timm `ResNetV2` with `conv_layer=create_conv2d, norm_layer=BatchNormAct2d`, preact=True, stem_type=''."""

    def __init__(self, depth: int, num_classes: int = 1000) -> None:
        super().__init__()
        bottleneck, layers = _imagenet_layout(depth)
        block_fn: type[nn.Module] = PreActBottleneck if bottleneck else PreActBasic
        channels = [c * 4 for c in IMAGENET_WIDTHS] if bottleneck else list(IMAGENET_WIDTHS)
        # preact stem: conv and pool only, no norm or activation
        self.stem = nn.Sequential(
            OrderedDict(
                conv=nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False),
                pool=nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
            )
        )
        self.stages = nn.Sequential()
        prev_chs = 64
        for i, (d, c) in enumerate(zip(layers, channels, strict=True)):
            self.stages.add_module(str(i), ResNetStage(block_fn, prev_chs, c, 1 if i == 0 else 2, d))
            prev_chs = c
        self.num_features = prev_chs
        self.norm = BatchNormAct2d(prev_chs)
        self.head = ClassifierHead(prev_chs, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(self.stages(self.stem(x)))
        return self.head(x)


def preact_resnet_timm(depth: int, num_classes: int = 1000) -> nn.Module:
    """timm `resnetv2_{depth}` (BatchNorm pre-activation ResNet), depth in 18, 34, 50, 101, 152."""
    return ResNetV2(depth, num_classes)


# ---------------------------------------------------------------------------------------------------------------
# (c) CIFAR pre-activation bottleneck ResNet-164 / 1001 (KaimingHe/resnet-1k-layers, resnet-pre-act.lua)
# ---------------------------------------------------------------------------------------------------------------


class CifarPreActBottleneck(nn.Module):
    """Pre-activation bottleneck as in `resnet-pre-act.lua`: BN+ReLU on the input (shared by both paths when the
    unit projects), conv1 1×1 → BN+ReLU → conv2 3×3 → BN+ReLU → conv3 1×1; projection = bare 1×1 conv on the
    pre-activated input. Convs carry no bias here (the Lua original's cudnn convs have one: see `bias`)."""

    expansion = 4

    def __init__(
        self, in_planes: int, planes: int, stride: int = 1, stride_on_first_1x1: bool = True, bias: bool = False
    ) -> None:
        super().__init__()
        out_planes = planes * self.expansion
        s1, s3 = (stride, 1) if stride_on_first_1x1 else (1, stride)
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=1, stride=s1, bias=bias)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=s3, padding=1, bias=bias)
        self.bn3 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out_planes, kernel_size=1, bias=bias)
        self.shortcut: nn.Sequential | None = None
        if stride != 1 or in_planes != out_planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=bias))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(x))
        shortcut = x if self.shortcut is None else self.shortcut(out)
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        out = self.conv3(F.relu(self.bn3(out)))
        return out + shortcut


class CifarPreActResNet(nn.Module):
    """3×3 conv 3→16 (no BN/ReLU after it), three stages of n bottlenecks (outputs 64/128/256), final BN+ReLU,
    8×8 average pool, `linear`."""

    def __init__(self, n: int, num_classes: int = 10, stride_on_first_1x1: bool = True, bias: bool = False) -> None:
        super().__init__()
        self.in_planes = 16
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, stride=1, padding=1, bias=bias)
        self.layer1 = self._make_layer(16, n, 1, stride_on_first_1x1, bias)
        self.layer2 = self._make_layer(32, n, 2, stride_on_first_1x1, bias)
        self.layer3 = self._make_layer(64, n, 2, stride_on_first_1x1, bias)
        self.bn = nn.BatchNorm2d(256)
        self.linear = nn.Linear(256, num_classes)

    def _make_layer(self, planes: int, n: int, stride: int, on_1x1: bool, bias: bool) -> nn.Sequential:
        layers = []
        for s in [stride] + [1] * (n - 1):
            layers.append(CifarPreActBottleneck(self.in_planes, planes, s, on_1x1, bias))
            self.in_planes = planes * CifarPreActBottleneck.expansion
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(x)
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.relu(self.bn(out))
        out = F.adaptive_avg_pool2d(out, 1)
        return self.linear(out.flatten(1))


def preact_resnet_cifar(
    depth: int, num_classes: int = 10, stride_on_first_1x1: bool = True, bias: bool = False
) -> nn.Module:
    """Pre-activation ResNet-(9n+2) for CIFAR (He et al. 2016): 164 (n=18) or 1001 (n=111); any 9n+2 works.
    `bias=True` gives every conv a bias as in the Lua original (Torch convs default to one)."""
    if depth < 11 or (depth - 2) % 9:
        raise ValueError(f"depth must be 9n+2 with n >= 1, got {depth}")
    return CifarPreActResNet((depth - 2) // 9, num_classes, stride_on_first_1x1, bias)


# ---------------------------------------------------------------------------------------------------------------
# (d) timm seresnet* (timm/models/resnet.py + timm/layers/squeeze_excite.py)
# ---------------------------------------------------------------------------------------------------------------


def make_divisible(v: float, divisor: int = 8, min_value: int | None = None, round_limit: float = 0.9) -> int:
    """timm `make_divisible`. SEModule calls it with round_limit=0 (never bumps up); for the power-of-two widths
    of a ResNet both limits give the same value: 64→8, 128→8, 256→16, 512→32, 1024→64, 2048→128."""
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < round_limit * v:
        new_v += divisor
    return new_v


class SEModule(nn.Module):
    """timm `SEModule`: x · sigmoid(fc2(relu(fc1(mean_HW(x))))), fc1/fc2 1×1 convs with bias, rd = C/16 → ×8.
    timm also holds `bn = nn.Identity()` between fc1 and act; it is parameter-free and omitted here."""

    def __init__(self, channels: int, rd_ratio: float = 1.0 / 16, rd_divisor: int = 8) -> None:
        super().__init__()
        rd_channels = make_divisible(channels * rd_ratio, rd_divisor, round_limit=0.0)
        self.fc1 = nn.Conv2d(channels, rd_channels, kernel_size=1, bias=True)
        self.act = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(rd_channels, channels, kernel_size=1, bias=True)
        self.gate = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_se = x.mean((2, 3), keepdim=True)
        x_se = self.act(self.fc1(x_se))
        x_se = self.fc2(x_se)
        return x * self.gate(x_se)


def _downsample_conv(in_chs: int, out_chs: int, stride: int) -> nn.Sequential:
    """timm `downsample_conv` / torchvision: `downsample.0` 1×1 conv (stride), `downsample.1` BN."""
    return nn.Sequential(nn.Conv2d(in_chs, out_chs, 1, stride=stride, bias=False), nn.BatchNorm2d(out_chs))


class BasicBlock(nn.Module):
    """timm `BasicBlock` (torchvision's plus `se` and dilation): conv1 3×3 (stride, dilation=first_dilation) → bn1
    → act1 → conv2 3×3 (dilation) → bn2 → [se] → + shortcut → act2."""

    expansion = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        dilation: int = 1,
        first_dilation: int | None = None,
        use_se: bool = False,
    ) -> None:
        super().__init__()
        first_dilation = first_dilation or dilation
        outplanes = planes * self.expansion
        self.conv1 = nn.Conv2d(
            inplanes, planes, 3, stride=stride, padding=first_dilation, dilation=first_dilation, bias=False
        )
        self.bn1 = nn.BatchNorm2d(planes)
        self.act1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, outplanes, 3, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(outplanes)
        self.se = SEModule(outplanes) if use_se else None
        self.act2 = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.act1(self.bn1(self.conv1(x)))
        x = self.bn2(self.conv2(x))
        if self.se is not None:
            x = self.se(x)
        if self.downsample is not None:
            shortcut = self.downsample(shortcut)
        return self.act2(x + shortcut)


class Bottleneck(nn.Module):
    """timm/torchvision v1.5 `Bottleneck`: conv1 1×1 → bn1 → act1 → conv2 3×3 (stride, dilation=first_dilation)
    → bn2 → act2 → conv3 1×1 → bn3 → [se] → + shortcut → act3."""

    expansion = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        dilation: int = 1,
        first_dilation: int | None = None,
        use_se: bool = False,
    ) -> None:
        super().__init__()
        first_dilation = first_dilation or dilation
        outplanes = planes * self.expansion
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.act1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(
            planes, planes, 3, stride=stride, padding=first_dilation, dilation=first_dilation, bias=False
        )
        self.bn2 = nn.BatchNorm2d(planes)
        self.act2 = nn.ReLU(inplace=True)
        self.conv3 = nn.Conv2d(planes, outplanes, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(outplanes)
        self.se = SEModule(outplanes) if use_se else None
        self.act3 = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.act1(self.bn1(self.conv1(x)))
        x = self.act2(self.bn2(self.conv2(x)))
        x = self.bn3(self.conv3(x))
        if self.se is not None:
            x = self.se(x)
        if self.downsample is not None:
            shortcut = self.downsample(shortcut)
        return self.act3(x + shortcut)


class TimmResNet(nn.Module):
    """timm `ResNet` (default 7×7 stem): conv1, bn1, act1, maxpool, layer1..4, global_pool, fc.

    Stage building follows timm `make_blocks` (same semantics as torchvision `_make_layer(dilate=...)`): with a
    network stride of 4 after the stem, a stage whose stride-2 would push the stride past `output_stride` gets
    stride 1 and multiplies the dilation by 2 instead; its first block's 3×3 gets the PREVIOUS dilation
    (`first_dilation`), later blocks the new one; the projection (1×1 conv + BN) exists wherever stride != 1 or
    the channels change, with the stage's (possibly 1) stride; padding = dilation on every 3×3.
    """

    def __init__(self, depth: int, num_classes: int = 1000, output_stride: int = 32, use_se: bool = False) -> None:
        super().__init__()
        if output_stride not in (8, 16, 32):
            raise ValueError(f"output_stride must be 8, 16 or 32, got {output_stride}")
        bottleneck, layers = _imagenet_layout(depth)
        block: type[BasicBlock | Bottleneck] = Bottleneck if bottleneck else BasicBlock
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.act1 = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        inplanes, net_stride, dilation, prev_dilation = 64, 4, 1, 1
        for i, (planes, count) in enumerate(zip(IMAGENET_WIDTHS, layers, strict=True)):
            stride = 1 if i == 0 else 2
            if net_stride >= output_stride:
                dilation *= stride
                stride = 1
            else:
                net_stride *= stride
            outplanes = planes * block.expansion
            downsample = _downsample_conv(inplanes, outplanes, stride) if stride != 1 or inplanes != outplanes else None
            blocks = []
            for j in range(count):
                blocks.append(
                    block(
                        inplanes,
                        planes,
                        stride if j == 0 else 1,
                        downsample if j == 0 else None,
                        dilation=dilation,
                        first_dilation=prev_dilation,
                        use_se=use_se,
                    )
                )
                prev_dilation = dilation
                inplanes = outplanes
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.num_features = inplanes
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(inplanes, num_classes)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.act1(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.global_pool(self.forward_features(x)).flatten(1))


def se_resnet_timm(depth: int, num_classes: int = 1000) -> nn.Module:
    """timm `seresnet{depth}`: `ResNet(block, layers, block_args=dict(attn_layer='se'))`."""
    return TimmResNet(depth, num_classes, use_se=True)


# ---------------------------------------------------------------------------------------------------------------
# (e) dilated ResNet (torchvision replace_stride_with_dilation; basic blocks dilated the timm way)
# ---------------------------------------------------------------------------------------------------------------


def dilated_resnet(depth: int, output_stride: int, num_classes: int = 1000) -> nn.Module:
    """torchvision `resnet{depth}(replace_stride_with_dilation=...)`: output_stride 32 = [F, F, F] (plain),
    16 = [F, F, T] (layer4 dilated 2), 8 = [F, T, T] (layer3 dilation 2, layer4 dilation 4).

    Bottleneck (50/101/152): exactly torchvision — the first block of a dilated stage has stride 1 and
    `dilation=previous_dilation` on conv2, later blocks the stage dilation; the projection keeps its 1×1 conv + BN
    (stride 1) since channels change. Basic (18/34), which torchvision refuses: done as timm's `BasicBlock`,
    i.e. in the first block of a dilated stage conv1 gets the previous dilation and conv2 the stage dilation;
    in every later block both 3×3 convs get the stage dilation. (For os=8, layer3: block 0 = (1, 2), rest (2, 2);
    layer4: block 0 = (2, 4), rest (4, 4).) The only difference from torchvision's module names is the timm
    spelling of the ReLUs (`act1`, `act2`, ...) instead of one shared `relu`; neither has parameters.
    """
    return TimmResNet(depth, num_classes, output_stride=output_stride, use_se=False)


# ---------------------------------------------------------------------------------------------------------------
# leaf_records
# ---------------------------------------------------------------------------------------------------------------

PASSTHROUGH = (nn.Identity,)


def _is_passthrough(module: nn.Module) -> bool:
    return isinstance(module, PASSTHROUGH) or (isinstance(module, nn.Sequential) and len(module) == 0)


def _macs(module: nn.Module, out: torch.Tensor) -> int:
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        return out.numel() * (module.in_channels // module.groups) * kh * kw
    if isinstance(module, nn.Linear):
        return out.numel() * module.in_features  # batch × in × out for a 2-D input
    return 0


def leaf_records(
    model: nn.Module, input_shape: tuple[int, ...], *, include_passthrough: bool = False
) -> list[dict[str, object]]:
    """Run one eval-mode forward on an input of `input_shape` (on the model's device: meta or a real one), with a
    forward hook on every leaf module, and return one record per call, in call order:
    `{"name", "cls", "out_shape", "params", "macs"}` — own parameters only, MACs for Conv2d
    (out_elements × in/groups × kh × kw, bias not counted) and Linear (out_elements × in_features), else 0.
    Pass-through leaves (nn.Identity, akamaster's empty `nn.Sequential()` shortcut) are left out unless asked.
    """
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    records: list[dict[str, object]] = []
    handles = []
    for name, module in model.named_modules():
        if next(module.children(), None) is not None:
            continue
        if _is_passthrough(module) and not include_passthrough:
            continue

        def hook(mod: nn.Module, _inputs: tuple, out: torch.Tensor, name: str = name) -> None:
            records.append(
                {
                    "name": name,
                    "cls": type(mod).__name__,
                    "out_shape": tuple(out.shape),
                    "params": sum(p.numel() for p in mod.parameters(recurse=False)),
                    "macs": _macs(mod, out),
                }
            )

        handles.append(module.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            x = torch.empty(input_shape, device=device) if device.type == "meta" else torch.randn(input_shape)
            model(x.to(device))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return records


def param_count(model: nn.Module, *, bn_affine: bool = True) -> int:
    """All parameters; with `bn_affine=False` the BatchNorm weights and biases are left out."""
    total = 0
    for module in model.modules():
        if not bn_affine and isinstance(module, nn.modules.batchnorm._BatchNorm):
            continue
        total += sum(p.numel() for p in module.parameters(recurse=False))
    return total
