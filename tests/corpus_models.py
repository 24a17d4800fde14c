"""A corpus of ResNets written the way public code writes them, each with the verdict `check` must give.

Every model here is written independently of `resnet_inspect` (never imported), in the style of a real
public source: kuangliu/pytorch-cifar, akamaster/pytorch_resnet_cifar10, torchvision's resnet.py, timm,
detectron2, d2l.ai, the PyTorch and Lightning tutorials, course notebooks and blog posts; with their module
names and their quirks (shortcut first or last, functional or module ReLUs, lambda shortcuts, `F.pad`,
`out.view(out.size(0), -1)`, a ReLU hidden inside a BatchNorm subclass, a ReLU module made inside forward,
a functional max pool, a conv that applies its own norm).

Each `Case` says which reference config the user holds the model against, the verdict, the exact set of
difference kinds, and the config string (`--arch` syntax) that builds an identical network, if any.
For a `matches` case `equals` is the reference itself: the config that builds an identical net.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

# The JSON contract's difference kinds, plus "bias" (convs with a bias before BN, as d2l.ai writes them),
# which the contract's list has no other place for.
KINDS = frozenset(
    {
        "residual",
        "shortcut",
        "stem",
        "maxpool",
        "blocks",
        "block_type",
        "width",
        "stride",
        "activation",
        "norm",
        "order",
        "dilation",
        "attention",
        "head",
        "input",
        "bias",
        "function",
    }
)
VERDICTS = ("matches", "differs", "not_a_resnet")


@dataclass(frozen=True)
class Case:
    id: str  # short slug
    build: Callable[[], nn.Module]
    reference: str  # the config the user checks against: "resnet18", "resnet50", "resnet20", ...
    size: int  # input side (224 for ImageNet styles, 32 for CIFAR styles)
    verdict: str  # "matches" | "differs" | "not_a_resnet"
    kinds: frozenset[str]  # EXACT set of difference kinds expected (empty when it matches)
    equals: str | None  # the config string that builds an identical net, or None when none exists
    note: str  # one line: what the model is and where its style comes from


# ===================================================================================== torchvision itself
# A transcription of torchvision/models/resnet.py (v1.5: stride on the 3×3), used the way people use it:
# patched after construction, wrapped, or built with its own knobs (width_per_group, dilation).


def tv_conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    return nn.Conv2d(
        in_planes,
        out_planes,
        kernel_size=3,
        stride=stride,
        padding=dilation,
        groups=groups,
        bias=False,
        dilation=dilation,
    )


def tv_conv1x1(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class TVBasicBlock(nn.Module):
    expansion = 1

    def __init__(
        self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1, norm_layer=None
    ):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = tv_conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = tv_conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


class TVBottleneck(nn.Module):
    expansion = 4

    def __init__(
        self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1, norm_layer=None
    ):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = tv_conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = tv_conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = tv_conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


class TVResNet(nn.Module):
    def __init__(
        self,
        block,
        layers,
        num_classes=1000,
        zero_init_residual=False,
        groups=1,
        width_per_group=64,
        replace_stride_with_dilation=None,
        norm_layer=None,
    ):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer
        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d | nn.GroupNorm):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, TVBottleneck):
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, TVBasicBlock):
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                tv_conv1x1(self.inplanes, planes * block.expansion, stride),
                norm_layer(planes * block.expansion),
            )
        layers = [
            block(
                self.inplanes, planes, stride, downsample, self.groups, self.base_width, previous_dilation, norm_layer
            )
        ]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(
                block(
                    self.inplanes,
                    planes,
                    groups=self.groups,
                    base_width=self.base_width,
                    dilation=self.dilation,
                    norm_layer=norm_layer,
                )
            )
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.fc(x)
        return x


def tv_resnet18(**kwargs):
    return TVResNet(TVBasicBlock, [2, 2, 2, 2], **kwargs)


def tv_resnet50(**kwargs):
    return TVResNet(TVBottleneck, [3, 4, 6, 3], **kwargs)


def tv_wide_resnet50_2(**kwargs):
    return TVResNet(TVBottleneck, [3, 4, 6, 3], width_per_group=64 * 2, **kwargs)


def tv_dilated_resnet50_os8():
    # torchvision's segmentation backbones (DeepLabV3, FCN) build it this way.
    return TVResNet(TVBottleneck, [3, 4, 6, 3], replace_stride_with_dilation=[False, True, True])


def patched_mnist_resnet18():
    # The MNIST recipe: swap the first conv for a 1-channel one, keep everything else.
    model = tv_resnet18()
    model.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return model


def patched_cifar_resnet18_kept_maxpool():
    # The CIFAR recipe half done: conv1 becomes 3×3/1 and fc gets 10 outputs, but the max pool stays.
    model = tv_resnet18()
    model.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
    model.fc = nn.Linear(model.fc.in_features, 10)
    return model


class ImagenetTransferLearning(nn.Module):
    """PyTorch Lightning's transfer-learning example: the backbone's children but fc, then a new classifier."""

    def __init__(self, num_target_classes=100):
        super().__init__()
        backbone = tv_resnet50()
        num_filters = backbone.fc.in_features
        layers = list(backbone.children())[:-1]
        self.feature_extractor = nn.Sequential(*layers)
        self.classifier = nn.Linear(num_filters, num_target_classes)

    def forward(self, x):
        representations = self.feature_extractor(x).flatten(1)
        return self.classifier(representations)


# ============================================================ an independent ResNet-18: ModuleList, F.relu
# Written from the paper: a ConvBN helper, the stem in a Sequential, the blocks in one flat ModuleList,
# the shortcut computed before the main path, functional ReLUs.


class ConvBN(nn.Sequential):
    def __init__(self, cin, cout, kernel, stride=1):
        super().__init__(nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False), nn.BatchNorm2d(cout))


class ResUnit(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.skip = ConvBN(cin, cout, 1, stride) if stride != 1 or cin != cout else None
        self.a = ConvBN(cin, cout, 3, stride)
        self.b = ConvBN(cout, cout, 3)

    def forward(self, x):
        shortcut = x if self.skip is None else self.skip(x)
        y = F.relu(self.a(x))
        return F.relu(self.b(y) + shortcut)


class FlatResNet18(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)
        )
        self.blocks = nn.ModuleList()
        cin = 64
        for i, width in enumerate([64, 64, 128, 128, 256, 256, 512, 512]):
            self.blocks.append(ResUnit(cin, width, 2 if i in (2, 4, 6) else 1))
            cin = width
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(512, num_classes)

    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.head(torch.flatten(self.pool(x), 1))


# ======================================================== an independent ResNet-50 from a table of stages
# Config-driven: an OrderedDict of named stages, foreign block names, the shortcut first, a functional
# global pool and `torch.flatten`.

STAGES_50 = ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2))  # (width, blocks, stride)


class BottleneckUnit(nn.Module):
    def __init__(self, cin, width, stride):
        super().__init__()
        cout = width * 4
        self.conv_in = nn.Conv2d(cin, width, 1, bias=False)
        self.norm_in = nn.BatchNorm2d(width)
        self.conv_mid = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.norm_mid = nn.BatchNorm2d(width)
        self.conv_out = nn.Conv2d(width, cout, 1, bias=False)
        self.norm_out = nn.BatchNorm2d(cout)
        self.shortcut = (
            nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
            if stride != 1 or cin != cout
            else nn.Identity()
        )

    def forward(self, x):
        skip = self.shortcut(x)
        x = F.relu(self.norm_in(self.conv_in(x)))
        x = F.relu(self.norm_mid(self.conv_mid(x)))
        x = self.norm_out(self.conv_out(x))
        return F.relu(x + skip)


class TableResNet50(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        parts = OrderedDict()
        parts["stem"] = nn.Sequential(
            OrderedDict(
                conv=nn.Conv2d(3, 64, 7, 2, 3, bias=False),
                norm=nn.BatchNorm2d(64),
                act=nn.ReLU(inplace=True),
                pool=nn.MaxPool2d(3, 2, 1),
            )
        )
        cin = 64
        for index, (width, count, stride) in enumerate(STAGES_50, start=1):
            units = []
            for j in range(count):
                units.append(BottleneckUnit(cin, width, stride if j == 0 else 1))
                cin = width * 4
            parts[f"stage{index}"] = nn.Sequential(*units)
        self.features = nn.Sequential(parts)
        self.classifier = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.classifier(x)


# ================================================================================== timm's ResNet layout
# conv1/bn1/act1, blocks with drop_block/aa/se/drop_path slots (Identity or None), shortcut from
# `downsample(shortcut)`, a SelectAdaptivePool2d-like global_pool, SEModule with 1×1-conv fc's.


def make_divisible(v, divisor=8, min_value=None, round_limit=0.9):
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < round_limit * v:
        new_v += divisor
    return new_v


class SEModule(nn.Module):
    def __init__(self, channels, rd_ratio=1.0 / 16, rd_divisor=8, bias=True):
        super().__init__()
        rd_channels = make_divisible(channels * rd_ratio, rd_divisor, round_limit=0.0)
        self.fc1 = nn.Conv2d(channels, rd_channels, kernel_size=1, bias=bias)
        self.bn = nn.Identity()
        self.act = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(rd_channels, channels, kernel_size=1, bias=bias)
        self.gate = nn.Sigmoid()

    def forward(self, x):
        x_se = x.mean((2, 3), keepdim=True)
        x_se = self.fc1(x_se)
        x_se = self.act(self.bn(x_se))
        x_se = self.fc2(x_se)
        return x * self.gate(x_se)


class TimmBasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, attn_layer=None):
        super().__init__()
        outplanes = planes * self.expansion
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.drop_block = nn.Identity()
        self.act1 = nn.ReLU(inplace=True)
        self.aa = nn.Identity()
        self.conv2 = nn.Conv2d(planes, outplanes, kernel_size=3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(outplanes)
        self.se = attn_layer(outplanes) if attn_layer is not None else None
        self.act2 = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.drop_path = None

    def forward(self, x):
        shortcut = x
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.drop_block(x)
        x = self.act1(x)
        x = self.aa(x)
        x = self.conv2(x)
        x = self.bn2(x)
        if self.se is not None:
            x = self.se(x)
        if self.drop_path is not None:
            x = self.drop_path(x)
        if self.downsample is not None:
            shortcut = self.downsample(shortcut)
        x += shortcut
        x = self.act2(x)
        return x


class TimmBottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, attn_layer=None):
        super().__init__()
        outplanes = planes * self.expansion
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.act1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.drop_block = nn.Identity()
        self.act2 = nn.ReLU(inplace=True)
        self.aa = nn.Identity()
        self.conv3 = nn.Conv2d(planes, outplanes, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(outplanes)
        self.se = attn_layer(outplanes) if attn_layer is not None else None
        self.act3 = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.drop_path = None

    def forward(self, x):
        shortcut = x
        x = self.act1(self.bn1(self.conv1(x)))
        x = self.conv2(x)
        x = self.bn2(x)
        x = self.drop_block(x)
        x = self.act2(x)
        x = self.aa(x)
        x = self.bn3(self.conv3(x))
        if self.se is not None:
            x = self.se(x)
        if self.drop_path is not None:
            x = self.drop_path(x)
        if self.downsample is not None:
            shortcut = self.downsample(shortcut)
        x += shortcut
        x = self.act3(x)
        return x


class SelectAdaptivePool2d(nn.Module):
    def __init__(self, flatten=True):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten(1) if flatten else nn.Identity()

    def forward(self, x):
        return self.flatten(self.pool(x))


class TimmResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000, in_chans=3, attn_layer=None):
        super().__init__()
        self.conv1 = nn.Conv2d(in_chans, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.act1 = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        inplanes = 64
        for stage_idx, (planes, num_blocks) in enumerate(zip((64, 128, 256, 512), layers, strict=True)):
            stride = 1 if stage_idx == 0 else 2
            downsample = None
            if stride != 1 or inplanes != planes * block.expansion:
                downsample = nn.Sequential(
                    nn.Conv2d(inplanes, planes * block.expansion, 1, stride=stride, bias=False),
                    nn.BatchNorm2d(planes * block.expansion),
                )
            blocks = []
            for block_idx in range(num_blocks):
                blocks.append(
                    block(
                        inplanes,
                        planes,
                        stride if block_idx == 0 else 1,
                        downsample if block_idx == 0 else None,
                        attn_layer=attn_layer,
                    )
                )
                inplanes = planes * block.expansion
            self.add_module(f"layer{stage_idx + 1}", nn.Sequential(*blocks))
        self.num_features = inplanes
        self.global_pool = SelectAdaptivePool2d(flatten=True)
        self.fc = nn.Linear(self.num_features, num_classes)

    def forward_features(self, x):
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.act1(x)
        x = self.maxpool(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        return x

    def forward_head(self, x, pre_logits: bool = False):
        x = self.global_pool(x)
        return x if pre_logits else self.fc(x)

    def forward(self, x):
        return self.forward_head(self.forward_features(x))


# ================================================================ timm's ResNetV2 layout (pre-activation)
# BatchNormAct2d (a BatchNorm2d subclass that runs its ReLU inside its own forward), stem = conv + pool with
# no norm, stages.N.blocks.M, conv-only projections on the pre-activated input, a final norm, and a
# ClassifierHead whose fc is a 1×1 conv.


class BatchNormAct2d(nn.BatchNorm2d):
    def __init__(self, num_features, apply_act=True):
        super().__init__(num_features)
        self.drop = nn.Identity()
        self.act = nn.ReLU(inplace=True) if apply_act else nn.Identity()

    def forward(self, x):
        x = super().forward(x)
        x = self.drop(x)
        return self.act(x)


class DownsampleConv(nn.Module):
    def __init__(self, in_chs, out_chs, stride=1, preact=True):
        super().__init__()
        self.conv = nn.Conv2d(in_chs, out_chs, 1, stride=stride, bias=False)
        self.norm = nn.Identity() if preact else BatchNormAct2d(out_chs, apply_act=False)

    def forward(self, x):
        return self.norm(self.conv(x))


class PreActBasic(nn.Module):
    def __init__(self, in_chs, out_chs, stride=1):
        super().__init__()
        if stride != 1 or in_chs != out_chs:
            self.downsample = DownsampleConv(in_chs, out_chs, stride=stride, preact=True)
        else:
            self.downsample = None
        self.norm1 = BatchNormAct2d(in_chs)
        self.conv1 = nn.Conv2d(in_chs, out_chs, 3, stride=stride, padding=1, bias=False)
        self.norm2 = BatchNormAct2d(out_chs)
        self.conv2 = nn.Conv2d(out_chs, out_chs, 3, padding=1, bias=False)
        self.drop_path = nn.Identity()

    def forward(self, x):
        x_preact = self.norm1(x)
        shortcut = x
        if self.downsample is not None:
            shortcut = self.downsample(x_preact)
        x = self.conv1(x_preact)
        x = self.conv2(self.norm2(x))
        x = self.drop_path(x)
        return x + shortcut


class ResNetStage(nn.Module):
    def __init__(self, in_chs, out_chs, stride, depth):
        super().__init__()
        self.blocks = nn.Sequential()
        prev_chs = in_chs
        for block_idx in range(depth):
            self.blocks.add_module(str(block_idx), PreActBasic(prev_chs, out_chs, stride if block_idx == 0 else 1))
            prev_chs = out_chs

    def forward(self, x):
        return self.blocks(x)


class ClassifierHead(nn.Module):
    def __init__(self, in_features, num_classes):
        super().__init__()
        self.global_pool = SelectAdaptivePool2d(flatten=False)
        self.drop = nn.Dropout(0.0)
        self.fc = nn.Conv2d(in_features, num_classes, 1, bias=True)
        self.flatten = nn.Flatten(1)

    def forward(self, x):
        return self.flatten(self.fc(self.drop(self.global_pool(x))))


class ResNetV2(nn.Module):
    def __init__(self, layers, channels=(64, 128, 256, 512), num_classes=1000, in_chans=3, stem_chs=64):
        super().__init__()
        self.stem = nn.Sequential(
            OrderedDict(
                conv=nn.Conv2d(in_chans, stem_chs, kernel_size=7, stride=2, padding=3, bias=False),
                pool=nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
            )
        )
        prev_chs = stem_chs
        self.stages = nn.Sequential()
        for stage_idx, (d, c) in enumerate(zip(layers, channels, strict=True)):
            self.stages.add_module(str(stage_idx), ResNetStage(prev_chs, c, 1 if stage_idx == 0 else 2, d))
            prev_chs = c
        self.num_features = prev_chs
        self.norm = BatchNormAct2d(self.num_features)
        self.head = ClassifierHead(self.num_features, num_classes)

    def forward_features(self, x):
        return self.norm(self.stages(self.stem(x)))

    def forward(self, x):
        return self.head(self.forward_features(x))


# ====================================================== a blog post's ResNet-18, in float64 (Paperspace)
# conv1 as a Sequential(conv, BN, ReLU), stages named layer0..layer3 (one off from torchvision's),
# AvgPool2d(7, stride=1) as the global pool at 224, `x.view(x.size(0), -1)`; the user calls `.double()`.


class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
        )
        self.conv2 = nn.Sequential(
            nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        self.downsample = downsample
        self.relu = nn.ReLU()
        self.out_channels = out_channels

    def forward(self, x):
        residual = x
        out = self.conv1(x)
        out = self.conv2(out)
        if self.downsample:
            residual = self.downsample(x)
        out += residual
        out = self.relu(out)
        return out


class BlogResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64), nn.ReLU()
        )
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer0 = self._make_layer(block, 64, layers[0], stride=1)
        self.layer1 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer2 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer3 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AvgPool2d(7, stride=1)
        self.fc = nn.Linear(512, num_classes)

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes),
            )
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.conv1(x)
        x = self.maxpool(x)
        x = self.layer0(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.avgpool(x)
        x = x.view(x.size(0), -1)
        x = self.fc(x)
        return x


# ===================================================== akamaster/pytorch_resnet_cifar10: the paper's CIFAR
# Option A as a LambdaLayer around F.pad (symmetric zero channels), `_weights_init`, `self.linear`,
# `F.avg_pool2d(out, out.size()[3])`.


def _weights_init(m):
    if isinstance(m, nn.Linear | nn.Conv2d):
        nn.init.kaiming_normal_(m.weight)


class LambdaLayer(nn.Module):
    def __init__(self, lambd):
        super().__init__()
        self.lambd = lambd

    def forward(self, x):
        return self.lambd(x)


class AkamasterBasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1, option="A"):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            if option == "A":
                # For CIFAR10 ResNet paper uses option A.
                self.shortcut = LambdaLayer(
                    lambda x: F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4), "constant", 0)
                )
            elif option == "B":
                self.shortcut = nn.Sequential(
                    nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride, bias=False),
                    nn.BatchNorm2d(self.expansion * planes),
                )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        out = F.relu(out)
        return out


class AkamasterResNet(nn.Module):
    def __init__(self, block, num_blocks, num_classes=10):
        super().__init__()
        self.in_planes = 16
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self._make_layer(block, 16, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, 32, num_blocks[1], stride=2)
        self.layer3 = self._make_layer(block, 64, num_blocks[2], stride=2)
        self.linear = nn.Linear(64, num_classes)
        self.apply(_weights_init)

    def _make_layer(self, block, planes, num_blocks, stride):
        strides = [stride] + [1] * (num_blocks - 1)
        layers = []
        for stride in strides:
            layers.append(block(self.in_planes, planes, stride))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.layer3(out)
        out = F.avg_pool2d(out, out.size()[3])
        out = out.view(out.size(0), -1)
        out = self.linear(out)
        return out


def akamaster_resnet20():
    return AkamasterResNet(AkamasterBasicBlock, [3, 3, 3])


def akamaster_resnet56():
    return AkamasterResNet(AkamasterBasicBlock, [9, 9, 9])


# ================================================== dnddnjs/pytorch-cifar10: option A by pad-then-subsample
# IdentityPadding: F.pad adds the zero channels at the END (not split like akamaster's), then a
# MaxPool2d(1, stride=2) subsamples; one ReLU module used twice per block; `layers_2n/4n/6n`; ResNet(5) = 32.


class IdentityPadding(nn.Module):
    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.pooling = nn.MaxPool2d(1, stride=stride)
        self.add_channels = out_channels - in_channels

    def forward(self, x):
        out = F.pad(x, (0, 0, 0, 0, 0, self.add_channels))
        out = self.pooling(out)
        return out


class PaddedResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1, down_sample=False):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.stride = stride
        self.down_sample = IdentityPadding(in_channels, out_channels, stride) if down_sample else None

    def forward(self, x):
        shortcut = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.down_sample is not None:
            shortcut = self.down_sample(x)
        out += shortcut
        out = self.relu(out)
        return out


class PaddedCifarResNet(nn.Module):
    def __init__(self, num_layers, block, num_classes=10):
        super().__init__()
        self.num_layers = num_layers
        self.conv = nn.Conv2d(in_channels=3, out_channels=16, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layers_2n = self.get_layers(block, 16, 16, stride=1)  # feature map size = 32x32x16
        self.layers_4n = self.get_layers(block, 16, 32, stride=2)  # feature map size = 16x16x32
        self.layers_6n = self.get_layers(block, 32, 64, stride=2)  # feature map size = 8x8x64
        self.avg_pool = nn.AvgPool2d(8, stride=1)
        self.fc_out = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def get_layers(self, block, in_channels, out_channels, stride):
        down_sample = stride == 2
        layers_list = nn.ModuleList([block(in_channels, out_channels, stride, down_sample)])
        for _ in range(self.num_layers - 1):
            layers_list.append(block(out_channels, out_channels))
        return nn.Sequential(*layers_list)

    def forward(self, x):
        x = self.conv(x)
        x = self.bn(x)
        x = self.relu(x)
        x = self.layers_2n(x)
        x = self.layers_4n(x)
        x = self.layers_6n(x)
        x = self.avg_pool(x)
        x = x.view(x.size(0), -1)
        x = self.fc_out(x)
        return x


def dnddnjs_resnet():
    return PaddedCifarResNet(5, PaddedResidualBlock)  # resnet-32


# ====================================== an nn.Sequential ResNet-18 with a Residual(fn, shortcut) wrapper
# The whole network is one Sequential; each block is a module that returns relu(fn(x) + shortcut(x)).


class Residual(nn.Module):
    def __init__(self, fn, shortcut=None):
        super().__init__()
        self.fn = fn
        self.shortcut = nn.Identity() if shortcut is None else shortcut

    def forward(self, x):
        return F.relu(self.fn(x) + self.shortcut(x))


def conv_bn(cin, cout, kernel=3, stride=1, act=True):
    layers = [nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False), nn.BatchNorm2d(cout)]
    return [*layers, nn.ReLU(inplace=True)] if act else layers


def res_block(cin, cout, stride=1):
    body = nn.Sequential(*conv_bn(cin, cout, 3, stride), *conv_bn(cout, cout, 3, act=False))
    proj = nn.Sequential(*conv_bn(cin, cout, 1, stride, act=False)) if stride != 1 or cin != cout else None
    return Residual(body, proj)


def sequential_resnet18(num_classes=1000):
    return nn.Sequential(
        *conv_bn(3, 64, 7, 2),
        nn.MaxPool2d(3, 2, 1),
        res_block(64, 64),
        res_block(64, 64),
        res_block(64, 128, 2),
        res_block(128, 128),
        res_block(128, 256, 2),
        res_block(256, 256),
        res_block(256, 512, 2),
        res_block(512, 512),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(512, num_classes),
    )


# ================================================ the paper's plain baselines: no shortcut anywhere at all
# Plain-18 as a VGG-style cfg list (Figure 3, middle, at 18 layers), and Plain-20 for CIFAR in a loop over
# ModuleLists of convs and norms.

PLAIN18_CFG = [64, 64, 64, 64, "S", 128, 128, 128, 128, "S", 256, 256, 256, 256, "S", 512, 512, 512, 512]


class Plain18(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        layers = [
            nn.Conv2d(3, 64, 7, 2, 3, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2, 1),
        ]
        in_channels, stride = 64, 1
        for v in PLAIN18_CFG:
            if v == "S":  # the next conv halves the map
                stride = 2
                continue
            layers += [nn.Conv2d(in_channels, v, 3, stride, 1, bias=False), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            in_channels, stride = v, 1
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Linear(512, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


class Plain20(nn.Module):
    def __init__(self, n=3, num_classes=10):
        super().__init__()
        self.convs, self.bns, self.strides = nn.ModuleList(), nn.ModuleList(), []
        cin = 3
        plan = [(16, 1)] + [(w, 2 if i == 0 and w != 16 else 1) for w in (16, 32, 64) for i in range(2 * n)]
        for width, stride in plan:
            self.convs.append(nn.Conv2d(cin, width, 3, stride, 1, bias=False))
            self.bns.append(nn.BatchNorm2d(width))
            cin = width
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        for conv, bn in zip(self.convs, self.bns, strict=True):
            x = F.relu(bn(conv(x)))
        x = F.avg_pool2d(x, 8)
        return self.fc(x.view(x.size(0), -1))


# ============================= Aladdin Persson-style video tutorial, basic blocks: the final ReLU is gone
# `identity = x.clone()`, `identity_downsample`, `x.reshape(x.shape[0], -1)`; the block returns x + identity.


class block(nn.Module):  # the tutorial's own lower-case name
    def __init__(self, in_channels, intermediate_channels, identity_downsample=None, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, intermediate_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(intermediate_channels)
        self.conv2 = nn.Conv2d(intermediate_channels, intermediate_channels, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(intermediate_channels)
        self.relu = nn.ReLU()
        self.identity_downsample = identity_downsample

    def forward(self, x):
        identity = x.clone()
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.conv2(x)
        x = self.bn2(x)
        if self.identity_downsample is not None:
            identity = self.identity_downsample(identity)
        x += identity
        return x


class TutorialResNet(nn.Module):
    def __init__(self, block, layers, image_channels=3, num_classes=1000):
        super().__init__()
        self.in_channels = 64
        self.conv1 = nn.Conv2d(image_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, layers[0], intermediate_channels=64, stride=1)
        self.layer2 = self._make_layer(block, layers[1], intermediate_channels=128, stride=2)
        self.layer3 = self._make_layer(block, layers[2], intermediate_channels=256, stride=2)
        self.layer4 = self._make_layer(block, layers[3], intermediate_channels=512, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x)
        x = x.reshape(x.shape[0], -1)
        x = self.fc(x)
        return x

    def _make_layer(self, block, num_residual_blocks, intermediate_channels, stride):
        identity_downsample = None
        if stride != 1 or self.in_channels != intermediate_channels:
            identity_downsample = nn.Sequential(
                nn.Conv2d(self.in_channels, intermediate_channels, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(intermediate_channels),
            )
        layers = [block(self.in_channels, intermediate_channels, identity_downsample, stride)]
        self.in_channels = intermediate_channels
        for _ in range(num_residual_blocks - 1):
            layers.append(block(self.in_channels, intermediate_channels))
        return nn.Sequential(*layers)


# ========================================== a darknet-flavoured ResNet-34: a LeakyReLU(0.1) in the stem
# CBL (Conv-BN-Leaky) for the stem, as YOLO code writes it; blocks keep the ReLU.


class CBL(nn.Sequential):
    def __init__(self, c1, c2, k=1, s=1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = nn.LeakyReLU(0.1, inplace=True)


class ResUnit34(nn.Module):
    def __init__(self, c1, c2, s=1):
        super().__init__()
        self.cv1 = nn.Conv2d(c1, c2, 3, s, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c2)
        self.act1 = nn.ReLU(inplace=True)
        self.cv2 = nn.Conv2d(c2, c2, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c2)
        self.sc = nn.Sequential(nn.Conv2d(c1, c2, 1, s, bias=False), nn.BatchNorm2d(c2)) if s != 1 or c1 != c2 else None
        self.act2 = nn.ReLU(inplace=True)

    def forward(self, x):
        y = self.bn2(self.cv2(self.act1(self.bn1(self.cv1(x)))))
        return self.act2(y + (x if self.sc is None else self.sc(x)))


class LeakyStemResNet34(nn.Module):
    def __init__(self, nc=1000):
        super().__init__()
        self.stem = nn.Sequential(CBL(3, 64, 7, 2), nn.MaxPool2d(3, 2, 1))
        units, c1 = [], 64
        for c2, n, s in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
            for i in range(n):
                units.append(ResUnit34(c1, c2, s if i == 0 else 1))
                c1 = c2
        self.body = nn.Sequential(*units)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.linear = nn.Linear(512, nc)

    def forward(self, x):
        return self.linear(self.pool(self.body(self.stem(x))).flatten(1))


# ============================================================================ kuangliu/pytorch-cifar
# ResNet18 for CIFAR: 3×3/1 stem, no max pool, `F.avg_pool2d(out, 4)`, `out.view(out.size(0), -1)`,
# `self.linear`, an empty nn.Sequential as the identity shortcut. PreActResNet18 from the same repo: a bare
# stem conv (no BN, no ReLU), pre-activated blocks, conv-only shortcuts, and no final BN-ReLU.


class KLBasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != self.expansion * planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(self.expansion * planes),
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        out = F.relu(out)
        return out


class KLResNet(nn.Module):
    def __init__(self, block, num_blocks, num_classes=10):
        super().__init__()
        self.in_planes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.layer1 = self._make_layer(block, 64, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, 128, num_blocks[1], stride=2)
        self.layer3 = self._make_layer(block, 256, num_blocks[2], stride=2)
        self.layer4 = self._make_layer(block, 512, num_blocks[3], stride=2)
        self.linear = nn.Linear(512 * block.expansion, num_classes)

    def _make_layer(self, block, planes, num_blocks, stride):
        strides = [stride] + [1] * (num_blocks - 1)
        layers = []
        for stride in strides:
            layers.append(block(self.in_planes, planes, stride))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.layer3(out)
        out = self.layer4(out)
        out = F.avg_pool2d(out, 4)
        out = out.view(out.size(0), -1)
        out = self.linear(out)
        return out


class KLPreActBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        if stride != 1 or in_planes != self.expansion * planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride, bias=False)
            )

    def forward(self, x):
        out = F.relu(self.bn1(x))
        shortcut = self.shortcut(out) if hasattr(self, "shortcut") else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        out += shortcut
        return out


class KLPreActResNet(nn.Module):
    def __init__(self, block, num_blocks, num_classes=10):
        super().__init__()
        self.in_planes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        self.layer1 = self._make_layer(block, 64, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, 128, num_blocks[1], stride=2)
        self.layer3 = self._make_layer(block, 256, num_blocks[2], stride=2)
        self.layer4 = self._make_layer(block, 512, num_blocks[3], stride=2)
        self.linear = nn.Linear(512 * block.expansion, num_classes)

    def _make_layer(self, block, planes, num_blocks, stride):
        strides = [stride] + [1] * (num_blocks - 1)
        layers = []
        for stride in strides:
            layers.append(block(self.in_planes, planes, stride))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x):
        out = self.conv1(x)
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.layer3(out)
        out = self.layer4(out)
        out = F.avg_pool2d(out, 4)
        out = out.view(out.size(0), -1)
        out = self.linear(out)
        return out


# =================================================================== weiaicunzai/pytorch-cifar100
# Paper stage names conv2_x..conv5_x, `residual_function` Sequentials, and the block's final ReLU made
# inside forward: `nn.ReLU(inplace=True)(...)`, a module no hook can see. 100 classes.


class BottleNeck(nn.Module):
    expansion = 4

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.residual_function = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, stride=stride, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels * BottleNeck.expansion, kernel_size=1, bias=False),
            nn.BatchNorm2d(out_channels * BottleNeck.expansion),
        )
        self.shortcut = nn.Sequential()
        if stride != 1 or in_channels != out_channels * BottleNeck.expansion:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels * BottleNeck.expansion, stride=stride, kernel_size=1, bias=False),
                nn.BatchNorm2d(out_channels * BottleNeck.expansion),
            )

    def forward(self, x):
        return nn.ReLU(inplace=True)(self.residual_function(x) + self.shortcut(x))


class Cifar100ResNet(nn.Module):
    def __init__(self, block, num_block, num_classes=100):
        super().__init__()
        self.in_channels = 64
        self.conv1 = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True)
        )
        self.conv2_x = self._make_layer(block, 64, num_block[0], 1)
        self.conv3_x = self._make_layer(block, 128, num_block[1], 2)
        self.conv4_x = self._make_layer(block, 256, num_block[2], 2)
        self.conv5_x = self._make_layer(block, 512, num_block[3], 2)
        self.avg_pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

    def _make_layer(self, block, out_channels, num_blocks, stride):
        strides = [stride] + [1] * (num_blocks - 1)
        layers = []
        for stride in strides:
            layers.append(block(self.in_channels, out_channels, stride))
            self.in_channels = out_channels * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x):
        output = self.conv1(x)
        output = self.conv2_x(output)
        output = self.conv3_x(output)
        output = self.conv4_x(output)
        output = self.conv5_x(output)
        output = self.avg_pool(output)
        output = output.view(output.size(0), -1)
        output = self.fc(output)
        return output


# ============================== the paper's CIFAR ResNet-20 with option B, torchvision's CIFAR adaptation
# conv3x3/conv1x1 helpers, `downsample`, `torch.flatten`, AdaptiveAvgPool2d((1, 1)), kaiming init.


def conv3x3(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class CifarBasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class ResNetCifar(nn.Module):
    def __init__(self, depth=20, num_classes=10):
        super().__init__()
        n = (depth - 2) // 6
        self.inplanes = 16
        self.conv1 = conv3x3(3, 16)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(16, n)
        self.layer2 = self._make_layer(32, n, stride=2)
        self.layer3 = self._make_layer(64, n, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def _make_layer(self, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes, stride), nn.BatchNorm2d(planes))
        layers = [CifarBasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [CifarBasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


# ====================================== yunjey/pytorch-tutorial's deep residual network (CIFAR-10)
# A 3×3 conv + BN as the projection shortcut, layers [2, 2, 2], `nn.AvgPool2d(8)`, `out.view(out.size(0), -1)`.


class TutorialResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = downsample

    def forward(self, x):
        residual = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample:
            residual = self.downsample(x)
        out += residual
        out = self.relu(out)
        return out


class YunjeyResNet(nn.Module):
    def __init__(self, block, layers, num_classes=10):
        super().__init__()
        self.in_channels = 16
        self.conv = conv3x3(3, 16)
        self.bn = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self.make_layer(block, 16, layers[0])
        self.layer2 = self.make_layer(block, 32, layers[1], 2)
        self.layer3 = self.make_layer(block, 64, layers[2], 2)
        self.avg_pool = nn.AvgPool2d(8)
        self.fc = nn.Linear(64, num_classes)

    def make_layer(self, block, out_channels, blocks, stride=1):
        downsample = None
        if (stride != 1) or (self.in_channels != out_channels):
            downsample = nn.Sequential(
                conv3x3(self.in_channels, out_channels, stride=stride), nn.BatchNorm2d(out_channels)
            )
        layers = [block(self.in_channels, out_channels, stride, downsample)]
        self.in_channels = out_channels
        for _ in range(1, blocks):
            layers.append(block(out_channels, out_channels))
        return nn.Sequential(*layers)

    def forward(self, x):
        out = self.conv(x)
        out = self.bn(out)
        out = self.relu(out)
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.layer3(out)
        out = self.avg_pool(out)
        out = out.view(out.size(0), -1)
        out = self.fc(out)
        return out


# ============================================= moskomule/senet.pytorch: SE-ResNet-18 with Linear fc's
# SELayer with its own AdaptiveAvgPool2d(1) and two bias-free Linear layers, reduction 16 by `//`
# (64 // 16 = 4 channels: no rounding to 8 as timm does), applied after bn2 before the add.


class SELayer(nn.Module):
    def __init__(self, channel, reduction=16):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(
            nn.Linear(channel, channel // reduction, bias=False),
            nn.ReLU(inplace=True),
            nn.Linear(channel // reduction, channel, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, x):
        b, c, _, _ = x.size()
        y = self.avg_pool(x).view(b, c)
        y = self.fc(y).view(b, c, 1, 1)
        return x * y.expand_as(x)


class SEBasicBlock(nn.Module):
    expansion = 1

    def __init__(
        self,
        inplanes,
        planes,
        stride=1,
        downsample=None,
        groups=1,
        base_width=64,
        dilation=1,
        norm_layer=None,
        *,
        reduction=16,
    ):
        super().__init__()
        self.conv1 = tv_conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = tv_conv3x3(planes, planes, 1)
        self.bn2 = nn.BatchNorm2d(planes)
        self.se = SELayer(planes, reduction)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        residual = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        out = self.se(out)
        if self.downsample is not None:
            residual = self.downsample(x)
        out += residual
        out = self.relu(out)
        return out


def se_resnet18(num_classes=1000):
    model = TVResNet(SEBasicBlock, [2, 2, 2, 2], num_classes=num_classes)
    model.avgpool = nn.AdaptiveAvgPool2d(1)
    return model


# ================================ a course notebook's ResNet-18 with one block too many in layer3 (2,2,3,2)
# Stages in an nn.ModuleDict built from a dict; blocks with `residual` and `shortcut` Sequentials.

ARCH_18 = {"layer1": (64, 2, 1), "layer2": (128, 2, 2), "layer3": (256, 3, 2), "layer4": (512, 2, 2)}


class DictBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.residual = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
            nn.BatchNorm2d(cout),
        )
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.residual(x) + self.shortcut(x))


class DictResNet(nn.Module):
    def __init__(self, arch=None, num_classes=1000):
        super().__init__()
        arch = ARCH_18 if arch is None else arch
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.stages = nn.ModuleDict()
        cin = 64
        for name, (cout, n, stride) in arch.items():
            self.stages[name] = nn.Sequential(
                *[DictBlock(cin if i == 0 else cout, cout, stride if i == 0 else 1) for i in range(n)]
            )
            cin = cout
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for stage in self.stages.values():
            x = stage(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


# ============================ a Kaggle notebook's hand-listed ResNet-34: layer2 lists 3 blocks, not 4
# Every block written out by hand in the Sequentials, so a missing one is easy to miss.


class KaggleBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        self.skip = None
        if stride != 1 or in_channels != out_channels:
            self.skip = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False), nn.BatchNorm2d(out_channels)
            )

    def forward(self, x):
        out = self.conv_block(x)
        out = out + (self.skip(x) if self.skip is not None else x)
        return F.relu(out)


class HandListedResNet34(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)
        )
        self.layer1 = nn.Sequential(KaggleBlock(64, 64), KaggleBlock(64, 64), KaggleBlock(64, 64))
        self.layer2 = nn.Sequential(KaggleBlock(64, 128, 2), KaggleBlock(128, 128), KaggleBlock(128, 128))
        self.layer3 = nn.Sequential(
            KaggleBlock(128, 256, 2),
            KaggleBlock(256, 256),
            KaggleBlock(256, 256),
            KaggleBlock(256, 256),
            KaggleBlock(256, 256),
            KaggleBlock(256, 256),
        )
        self.layer4 = nn.Sequential(KaggleBlock(256, 512, 2), KaggleBlock(512, 512), KaggleBlock(512, 512))
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        x = self.layer4(self.layer3(self.layer2(self.layer1(self.stem(x)))))
        return self.fc(self.gap(x).view(x.size(0), -1))


# ================================= a v1 bottleneck (the paper's: stride on the first 1×1), foreign names
# reduce/spatial/expand/proj, the shortcut computed first, stages in a Sequential named `trunk`.


class V1Bottleneck(nn.Module):
    def __init__(self, cin, mid, stride=1):
        super().__init__()
        cout = mid * 4
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        self.reduce = nn.Conv2d(cin, mid, 1, stride, bias=False)
        self.bn_reduce = nn.BatchNorm2d(mid)
        self.spatial = nn.Conv2d(mid, mid, 3, 1, 1, bias=False)
        self.bn_spatial = nn.BatchNorm2d(mid)
        self.expand = nn.Conv2d(mid, cout, 1, bias=False)
        self.bn_expand = nn.BatchNorm2d(cout)

    def forward(self, x):
        skip = x if self.proj is None else self.proj(x)
        h = F.relu(self.bn_reduce(self.reduce(x)))
        h = F.relu(self.bn_spatial(self.spatial(h)))
        h = self.bn_expand(self.expand(h))
        return F.relu(h + skip)


class V1ResNet50(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.root = nn.Sequential(
            nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)
        )
        blocks, cin = [], 64
        for mid, n, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
            for i in range(n):
                blocks.append(V1Bottleneck(cin, mid, stride if i == 0 else 1))
                cin = mid * 4
        self.trunk = nn.Sequential(*blocks)
        self.logits = nn.Linear(2048, num_classes)

    def forward(self, x):
        x = self.trunk(self.root(x))
        return self.logits(x.mean(dim=(2, 3)))


# ============================== a paper misreading: a projection on every block ("shortcut C"), ResNet-18
# kuangliu-like blocks on an ImageNet stem, but `self.shortcut` is always a 1×1 conv + BN.


class AlwaysProjectBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ProjectionResNet18(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        layers, cin = [], 64
        for planes, stride in ((64, 1), (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1)):
            layers.append(AlwaysProjectBlock(cin, planes, stride))
            cin = planes
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        out = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        out = self.layers(out)
        out = F.adaptive_avg_pool2d(out, (1, 1))
        return self.fc(out.view(out.size(0), -1))


# ======================= fb.resnet.torch (Lua Torch7) trained with -shortcutType A, converted to PyTorch
# The converter's Lambda/LambdaMap/LambdaReduce idiom: ConcatTable → LambdaMap, CAddTable → LambdaReduce;
# option A as SpatialAveragePooling(1, 1, 2, 2) then Concat(Identity, MulConstant(0)). Names are all numbers.


class LambdaBase(nn.Sequential):
    def __init__(self, fn, *args):
        super().__init__(*args)
        self.lambda_func = fn

    def forward_prepare(self, input):
        output = []
        for module in self._modules.values():
            output.append(module(input))
        return output if output else input


class Lambda(LambdaBase):
    def forward(self, input):
        return self.lambda_func(self.forward_prepare(input))


class LambdaMap(LambdaBase):
    def forward(self, input):
        return list(map(self.lambda_func, self.forward_prepare(input)))


class LambdaReduce(LambdaBase):
    def forward(self, input):
        return functools.reduce(self.lambda_func, self.forward_prepare(input))


def _t7_basic(n_in, n, stride):
    main = nn.Sequential(
        nn.Conv2d(n_in, n, (3, 3), (stride, stride), (1, 1), 1, 1, bias=False),
        nn.BatchNorm2d(n),
        nn.ReLU(),
        nn.Conv2d(n, n, (3, 3), (1, 1), (1, 1), 1, 1, bias=False),
        nn.BatchNorm2d(n),
    )
    if n_in != n:
        shortcut = nn.Sequential(
            nn.AvgPool2d((1, 1), (stride, stride)),
            LambdaReduce(lambda x, y: torch.cat((x, y), 1), Lambda(lambda x: x), Lambda(lambda x: x * 0)),
        )
    else:
        shortcut = Lambda(lambda x: x)
    return nn.Sequential(LambdaMap(lambda x: x, main, shortcut), LambdaReduce(lambda x, y: x + y), nn.ReLU())


def t7_resnet18_shortcut_a():
    stages, n_in = [], 64
    for n, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        stages.append(nn.Sequential(_t7_basic(n_in, n, stride), _t7_basic(n, n, 1)))
        n_in = n
    return nn.Sequential(
        nn.Conv2d(3, 64, (7, 7), (2, 2), (3, 3), 1, 1, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d((3, 3), (2, 2), (1, 1)),
        *stages,
        nn.AvgPool2d((7, 7), (1, 1)),
        Lambda(lambda x: x.view(x.size(0), -1)),
        nn.Sequential(Lambda(lambda x: x.view(1, -1) if x.dim() == 1 else x), nn.Linear(512, 1000)),
    )


# ============================================= detectron2's ResNet-50 with GroupNorm(32) ("R-50-GN")
# A Conv2d subclass that runs its own norm inside forward, F.relu_, a functional F.max_pool2d in the stem,
# res2..res5, stride on the 3×3 (STRIDE_IN_1X1: False, as the GN configs set), an avgpool + linear head.


class Conv2d(nn.Conv2d):
    def __init__(self, *args, **kwargs):
        norm = kwargs.pop("norm", None)
        activation = kwargs.pop("activation", None)
        super().__init__(*args, **kwargs)
        self.norm = norm
        self.activation = activation

    def forward(self, x):
        x = F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        if self.norm is not None:
            x = self.norm(x)
        if self.activation is not None:
            x = self.activation(x)
        return x


def get_norm(norm, out_channels):
    return {"BN": nn.BatchNorm2d, "GN": lambda channels: nn.GroupNorm(32, channels)}[norm](out_channels)


class BasicStem(nn.Module):
    def __init__(self, in_channels=3, out_channels=64, norm="GN"):
        super().__init__()
        self.conv1 = Conv2d(
            in_channels, out_channels, kernel_size=7, stride=2, padding=3, bias=False, norm=get_norm(norm, out_channels)
        )

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu_(x)
        x = F.max_pool2d(x, kernel_size=3, stride=2, padding=1)
        return x


class BottleneckBlock(nn.Module):
    def __init__(self, in_channels, out_channels, *, bottleneck_channels, stride=1, norm="GN", stride_in_1x1=False):
        super().__init__()
        if in_channels != out_channels:
            self.shortcut = Conv2d(
                in_channels, out_channels, kernel_size=1, stride=stride, bias=False, norm=get_norm(norm, out_channels)
            )
        else:
            self.shortcut = None
        stride_1x1, stride_3x3 = (stride, 1) if stride_in_1x1 else (1, stride)
        self.conv1 = Conv2d(
            in_channels,
            bottleneck_channels,
            kernel_size=1,
            stride=stride_1x1,
            bias=False,
            norm=get_norm(norm, bottleneck_channels),
        )
        self.conv2 = Conv2d(
            bottleneck_channels,
            bottleneck_channels,
            kernel_size=3,
            stride=stride_3x3,
            padding=1,
            bias=False,
            norm=get_norm(norm, bottleneck_channels),
        )
        self.conv3 = Conv2d(
            bottleneck_channels, out_channels, kernel_size=1, bias=False, norm=get_norm(norm, out_channels)
        )

    def forward(self, x):
        out = self.conv1(x)
        out = F.relu_(out)
        out = self.conv2(out)
        out = F.relu_(out)
        out = self.conv3(out)
        shortcut = self.shortcut(x) if self.shortcut is not None else x
        out += shortcut
        out = F.relu_(out)
        return out


class D2ResNet(nn.Module):
    def __init__(self, stem, stages, num_classes=None):
        super().__init__()
        self.stem = stem
        self.num_classes = num_classes
        self.stage_names = []
        self.stages = []
        for i, blocks in enumerate(stages):
            name = "res" + str(i + 2)
            stage = nn.Sequential(*blocks)
            self.add_module(name, stage)
            self.stage_names.append(name)
            self.stages.append(stage)
        if num_classes is not None:
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.linear = nn.Linear(blocks[-1].conv3.out_channels, num_classes)

    def forward(self, x):
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)
        if self.num_classes is not None:
            x = self.avgpool(x)
            x = torch.flatten(x, 1)
            x = self.linear(x)
        return x


def detectron2_r50_gn(num_classes=1000):
    stages, in_channels, out_channels, bottleneck_channels = [], 64, 256, 64
    for idx, depth in enumerate((3, 4, 6, 3)):
        blocks = []
        for i in range(depth):
            stride = 2 if (i == 0 and idx > 0) else 1
            blocks.append(
                BottleneckBlock(
                    in_channels, out_channels, bottleneck_channels=bottleneck_channels, stride=stride, norm="GN"
                )
            )
            in_channels = out_channels
        out_channels *= 2
        bottleneck_channels *= 2
        stages.append(blocks)
    return D2ResNet(BasicStem(norm="GN"), stages, num_classes=num_classes)


# =================================== a course assignment's ResNet-18 whose max pool forgot its padding
# `nn.MaxPool2d(3, 2)`: the map is 55×55 after it, not 56×56. Blocks with `residual` + `shortcut`.


class AssignmentBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.residual = nn.Sequential(
            nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(cout),
        )
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, kernel_size=1, stride=stride, bias=False), nn.BatchNorm2d(cout)
            )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.residual(x) + self.shortcut(x))


class AssignmentResNet18(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.pool = nn.MaxPool2d(kernel_size=3, stride=2)
        self.stage1 = nn.Sequential(AssignmentBlock(64, 64), AssignmentBlock(64, 64))
        self.stage2 = nn.Sequential(AssignmentBlock(64, 128, 2), AssignmentBlock(128, 128))
        self.stage3 = nn.Sequential(AssignmentBlock(128, 256, 2), AssignmentBlock(256, 256))
        self.stage4 = nn.Sequential(AssignmentBlock(256, 512, 2), AssignmentBlock(512, 512))
        self.gap = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        x = self.pool(self.relu(self.bn(self.conv(x))))
        x = self.stage4(self.stage3(self.stage2(self.stage1(x))))
        return self.fc(torch.flatten(self.gap(x), start_dim=1))


# ========================= ruotianluo/pytorch-resnet: torchvision's code edited to load Caffe weights
# The two "# change" lines: the max pool is 3×3/2 with padding 0 and ceil_mode (Caffe's pool1), and the
# bottleneck's stride is on conv1 (the 1×1, the paper's v1). `nn.AvgPool2d(7)` and `x.view`.


class CaffeBottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, stride=stride, bias=False)  # change
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)  # change
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        residual = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        out = self.relu(out)
        out = self.conv3(out)
        out = self.bn3(out)
        if self.downsample is not None:
            residual = self.downsample(x)
        out += residual
        out = self.relu(out)
        return out


class CaffeResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=0, ceil_mode=True)  # change
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AvgPool2d(7)
        self.fc = nn.Linear(512 * block.expansion, num_classes)

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x)
        x = x.view(x.size(0), -1)
        x = self.fc(x)
        return x


# ================================== d2l.ai (2nd edition, PyTorch) ResNet-18 for Fashion-MNIST at 96×96
# Lazy layers materialised by one forward (what d2l's `apply_init`/`layer_summary` do), biased convs, a bare
# biased 1×1 conv where the shape changes (no BN), `self.net` a Sequential of "0", b2..b5 and "last".


class D2lResidual(nn.Module):
    """The Residual block of ResNet models."""

    def __init__(self, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1, stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


class D2lResNet(nn.Module):
    def __init__(self, arch, num_classes=10):
        super().__init__()
        self.net = nn.Sequential(self.b1())
        for i, b in enumerate(arch):
            self.net.add_module(f"b{i + 2}", self.block(*b, first_block=(i == 0)))
        self.net.add_module(
            "last", nn.Sequential(nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.LazyLinear(num_classes))
        )

    def b1(self):
        return nn.Sequential(
            nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3),
            nn.LazyBatchNorm2d(),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        )

    def block(self, num_residuals, num_channels, first_block=False):
        blk = []
        for i in range(num_residuals):
            if i == 0 and not first_block:
                blk.append(D2lResidual(num_channels, use_1x1conv=True, strides=2))
            else:
                blk.append(D2lResidual(num_channels))
        return nn.Sequential(*blk)

    def forward(self, X):
        return self.net(X)


def d2l_resnet18():
    model = D2lResNet(((2, 64), (2, 128), (2, 256), (2, 512)), num_classes=10)
    with torch.no_grad():
        model(torch.zeros(1, 1, 96, 96))  # materialise the lazy layers, as d2l's layer_summary does
    return model


# ====================================== a notebook that calls `ResNet(ResBlock, [3, 4, 6, 3])` "ResNet50"
# Basic blocks with the 50-layer counts: that is ResNet-34. `downsample` computed from a flag.


class ResBlock(nn.Module):
    def __init__(self, in_channels, out_channels, downsample):
        super().__init__()
        stride = 2 if downsample else 1
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if downsample or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        else:
            self.shortcut = nn.Sequential()

    def forward(self, input):
        shortcut = self.shortcut(input)
        input = nn.ReLU()(self.bn1(self.conv1(input)))
        input = self.bn2(self.conv2(input))
        input = input + shortcut
        return nn.ReLU()(input)


class NotebookResNet(nn.Module):
    def __init__(self, in_channels, resblock, repeat, outputs=1000):
        super().__init__()
        self.layer0 = nn.Sequential(
            nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        )
        filters = [64, 64, 128, 256, 512]
        for stage in range(4):
            blocks = [resblock(filters[stage], filters[stage + 1], downsample=stage > 0)]
            blocks += [
                resblock(filters[stage + 1], filters[stage + 1], downsample=False) for _ in range(1, repeat[stage])
            ]
            self.add_module(f"layer{stage + 1}", nn.Sequential(*blocks))
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(filters[4], outputs)

    def forward(self, input):
        input = self.layer0(input)
        input = self.layer1(input)
        input = self.layer2(input)
        input = self.layer3(input)
        input = self.layer4(input)
        input = self.gap(input)
        input = torch.flatten(input, start_dim=1)
        input = self.fc(input)
        return input


# ============================================ Bag of Tricks ResNet-50-D, written the timm/GluonCV way
# Deep stem conv1 = Sequential(3×3/2 32, BN, ReLU, 3×3 32, BN, ReLU, 3×3 64) then bn1/relu, and the
# shortcut where the shape changes = AvgPool2d(2, ceil_mode, count_include_pad=False) → 1×1 conv → BN.


class ResNetDBottleneck(nn.Module):
    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        outplanes = planes * 4
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, outplanes, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(outplanes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or inplanes != outplanes:
            pool = nn.AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False) if stride != 1 else nn.Identity()
            self.downsample = nn.Sequential(
                pool, nn.Conv2d(inplanes, outplanes, 1, bias=False), nn.BatchNorm2d(outplanes)
            )

    def forward(self, x):
        shortcut = x if self.downsample is None else self.downsample(x)
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.relu(self.bn2(self.conv2(x)))
        x = self.bn3(self.conv3(x))
        return self.relu(x + shortcut)


class ResNet50D(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, 3, 1, 1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, 64, 3, 1, 1, bias=False),
        )
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        inplanes = 64
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), (3, 4, 6, 3), strict=True)):
            blocks = []
            for j in range(n):
                blocks.append(ResNetDBottleneck(inplanes, planes, 2 if i > 0 and j == 0 else 1))
                inplanes = planes * 4
            self.add_module(f"layer{i + 1}", nn.Sequential(*blocks))
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(2048, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.global_pool(x).flatten(1))


# ============================ a pre-activation bottleneck net as people port fb.resnet.torch's preresnet.lua
# Functional ReLUs, the block's BN-ReLU as `self.bn1` + `F.relu`, a stem without BN (the first block
# pre-activates it), a final BN-ReLU. Where the projection shortcut branches off is the port's choice: He et
# al. 2016 and timm read relu(bn1(x)); some ports read the raw block input x. Two different functions.


class PortedPreActBottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, shortcut_reads="preact"):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.shortcut_reads = shortcut_reads
        self.downsample = None
        if stride != 1 or inplanes != planes * 4:
            self.downsample = nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False)

    def forward(self, x):
        pre = F.relu(self.bn1(x))
        tap = pre if self.shortcut_reads == "preact" else x
        residual = x if self.downsample is None else self.downsample(tap)
        out = self.conv1(pre)
        out = self.conv2(F.relu(self.bn2(out)))
        out = self.conv3(F.relu(self.bn3(out)))
        return out + residual


class PortedPreResNet(nn.Module):
    def __init__(self, layers=(3, 4, 6, 3), num_classes=1000, shortcut_reads="preact"):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        blocks, inplanes = [], 64
        for i, (n, planes) in enumerate(zip(layers, (64, 128, 256, 512), strict=True)):
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                blocks.append(PortedPreActBottleneck(inplanes, planes, stride, shortcut_reads))
                inplanes = planes * 4
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(inplanes)
        self.fc = nn.Linear(inplanes, num_classes)

    def forward(self, x):
        x = self.blocks(self.maxpool(self.conv1(x)))
        x = F.relu(self.bn(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


# ======================== a pre-activation CIFAR net whose stem ends in BN-ReLU (a course's assignment)
# Each block pre-activates its own input (bn1 + ReLU) and its identity reads the block input, which for the
# first block is the stem's ReLU: the stem's BN belongs to the stem, not to layer1.0.


class CoursePreActBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.proj = nn.Conv2d(cin, cout, 1, stride, bias=False) if (stride != 1 or cin != cout) else None

    def forward(self, x):
        out = F.relu(self.bn1(x))
        skip = self.proj(out) if self.proj is not None else x
        out = self.conv2(F.relu(self.bn2(self.conv1(out))))
        return out + skip


class CoursePreActNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        stages, cin = [], 64
        for i, width in enumerate((64, 128, 256, 512)):
            for j in range(2):
                stages.append(CoursePreActBlock(cin, width, 2 if (j == 0 and i > 0) else 1))
                cin = width
        self.stages = nn.Sequential(*stages)
        self.bn = nn.BatchNorm2d(512)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn(self.stages(x)))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


# ============================== torchvision's resnet18, its first identity shortcut reversed in channel order
# `x.flip(1)` has no parameters and no module: the dataflow graph still reads like resnet18's, op for op, and
# only running both with the same weights tells the two functions apart.


class FlippedShortcutBlock(TVBasicBlock):
    def forward(self, x):
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(out + x.flip(1))


def flipped_shortcut_resnet18():
    model = tv_resnet18()
    model.layer1[0].__class__ = FlippedShortcutBlock
    return model


# ================================================================================================ cases


def _k(*kinds: str) -> frozenset[str]:
    return frozenset(kinds)


CASES: list[Case] = [
    # ------------------------------------------------------------------------------------------ matches
    Case(
        "flat_modulelist_resnet18",
        FlatResNet18,
        "resnet18",
        224,
        "matches",
        _k(),
        "resnet18",
        "independent ResNet-18: self.stem Sequential, blocks in one flat ModuleList, ConvBN helper, F.relu, "
        "shortcut computed first",
    ),
    Case(
        "table_resnet50",
        TableResNet50,
        "resnet50",
        224,
        "matches",
        _k(),
        "resnet50",
        "independent ResNet-50 from a stage table: OrderedDict features.stageN, conv_in/mid/out names, shortcut "
        "first, functional adaptive_avg_pool2d",
    ),
    Case(
        "timm_resnet34",
        lambda: TimmResNet(TimmBasicBlock, [3, 4, 6, 3]),
        "resnet34",
        224,
        "matches",
        _k(),
        "resnet34",
        "timm resnet.py layout: act1/act2, drop_block/aa Identity, se/drop_path None, downsample(shortcut), "
        "SelectAdaptivePool2d global_pool",
    ),
    Case(
        "blog_float64_resnet18",
        lambda: BlogResNet(ResidualBlock, [2, 2, 2, 2]).double(),
        "resnet18",
        224,
        "matches",
        _k(),
        "resnet18",
        "Paperspace-blog ResNet-18 in float64 (.double()): conv1 Sequential, stages layer0..layer3, "
        "AvgPool2d(7, stride=1), x.view",
    ),
    Case(
        "sequential_residual_wrapper_resnet18",
        sequential_resnet18,
        "resnet18",
        224,
        "matches",
        _k(),
        "resnet18",
        "the whole ResNet-18 as one nn.Sequential; each block a Residual(fn, shortcut) module returning "
        "relu(fn(x) + shortcut(x))",
    ),
    Case(
        "akamaster_resnet20",
        akamaster_resnet20,
        "resnet20",
        32,
        "matches",
        _k(),
        "resnet20",
        "akamaster/pytorch_resnet_cifar10 resnet20: option A LambdaLayer F.pad(x[:, :, ::2, ::2], ... planes//4), "
        "F.avg_pool2d(out, out.size()[3])",
    ),
    Case(
        "akamaster_resnet56",
        akamaster_resnet56,
        "resnet56",
        32,
        "matches",
        _k(),
        "resnet56",
        "akamaster/pytorch_resnet_cifar10 resnet56: 9 blocks a stage, LambdaLayer option A shortcuts",
    ),
    Case(
        "dnddnjs_resnet32",
        dnddnjs_resnet,
        "resnet32",
        32,
        "matches",
        _k(),
        "resnet32",
        "dnddnjs/pytorch-cifar10 ResNet(5): option A as IdentityPadding = F.pad zeros at the end then "
        "MaxPool2d(1, stride=2); layers_2n/4n/6n; AvgPool2d(8)",
    ),
    # ------------------------------------------------------------------------------------ not a resnet
    Case(
        "plain18",
        Plain18,
        "resnet18",
        224,
        "not_a_resnet",
        _k("residual"),
        None,
        "the paper's plain 18-layer baseline as a VGG-style cfg list: ResNet-18's convs with no shortcut at all",
    ),
    Case(
        "plain20_cifar",
        Plain20,
        "resnet20",
        32,
        "not_a_resnet",
        _k("residual"),
        None,
        "the paper's CIFAR plain-20: 19 convs in ModuleLists, looped with F.relu, no shortcut, F.avg_pool2d(x, 8)",
    ),
    # ---------------------------------------------------------------------------------------- differs
    Case(
        "no_relu_after_add",
        lambda: TutorialResNet(block, [2, 2, 2, 2]),
        "resnet18",
        224,
        "differs",
        _k("activation"),
        None,
        "Aladdin-Persson-style video tutorial with basic blocks: identity = x.clone(), x += identity, and the "
        "final ReLU after the add forgotten",
    ),
    Case(
        "leaky_stem_resnet34",
        LeakyStemResNet34,
        "resnet34",
        224,
        "differs",
        _k("activation"),
        None,
        "darknet-flavoured ResNet-34: a YOLO-style CBL (Conv-BN-LeakyReLU(0.1)) stem, ReLU blocks",
    ),
    Case(
        "kuangliu_resnet18",
        lambda: KLResNet(KLBasicBlock, [2, 2, 2, 2]),
        "resnet18",
        32,
        "differs",
        _k("stem", "head"),
        "resnet18:stem=cifar,num_classes=10",
        "kuangliu/pytorch-cifar ResNet18: 3×3/1 stem, no max pool, F.avg_pool2d(out, 4), out.view, self.linear, "
        "10 classes",
    ),
    Case(
        "weiaicunzai_resnet50_cifar100",
        lambda: Cifar100ResNet(BottleNeck, [3, 4, 6, 3]),
        "resnet50",
        32,
        "differs",
        _k("stem", "head"),
        "resnet50:stem=cifar,num_classes=100",
        "weiaicunzai/pytorch-cifar100 resnet50: conv2_x..conv5_x, residual_function Sequential, "
        "nn.ReLU(inplace=True)(...) built inside forward, 100 classes",
    ),
    Case(
        "resnet20_option_b",
        lambda: ResNetCifar(20),
        "resnet20",
        32,
        "differs",
        _k("shortcut"),
        "resnet20:shortcut=B",
        "the paper's CIFAR ResNet-20 in torchvision's CIFAR-adapted style with option B (1×1 conv + BN) "
        "projections where the shape changes",
    ),
    Case(
        "yunjey_tutorial_resnet",
        lambda: YunjeyResNet(TutorialResidualBlock, [2, 2, 2]),
        "resnet20",
        32,
        "differs",
        _k("blocks", "shortcut"),
        None,
        "yunjey/pytorch-tutorial deep residual network: layers [2, 2, 2] (14 layers) and a 3×3 conv + BN as "
        "the projection shortcut",
    ),
    Case(
        "kuangliu_preact_resnet18",
        lambda: KLPreActResNet(KLPreActBlock, [2, 2, 2, 2]),
        "resnet18",
        32,
        "differs",
        _k("order", "stem", "head"),
        None,
        "kuangliu/pytorch-cifar PreActResNet18: bare 3×3/1 stem conv, pre-activated blocks, conv-only shortcuts "
        "on relu(bn1(x)), no final BN-ReLU, 10 classes",
    ),
    Case(
        "timm_resnetv2_preact18",
        lambda: ResNetV2([2, 2, 2, 2]),
        "resnet18",
        224,
        "differs",
        _k("order"),
        "preact_resnet18",
        "timm resnetv2_18 layout: BatchNormAct2d (BN subclass running its own ReLU), stem conv+pool, "
        "stages.N.blocks.M, conv-only projections, final norm, 1×1-conv fc",
    ),
    Case(
        "timm_seresnet50",
        lambda: TimmResNet(TimmBottleneck, [3, 4, 6, 3], attn_layer=SEModule),
        "resnet50",
        160,
        "differs",
        _k("attention"),
        "seresnet50",
        "timm seresnet50: SEModule after bn3 before the add, reduction 16 rounded to a multiple of 8, fc1/fc2 "
        "1×1 convs with bias, x.mean((2, 3))",
    ),
    Case(
        "senet_pytorch_se_resnet18",
        se_resnet18,
        "resnet18",
        224,
        "differs",
        _k("attention"),
        None,
        "moskomule/senet.pytorch se_resnet18: SELayer with its own AdaptiveAvgPool2d and bias-free Linear fc's, "
        "64 // 16 = 4 channels (timm rounds to 8)",
    ),
    Case(
        "torchvision_dilated_resnet50_os8",
        tv_dilated_resnet50_os8,
        "resnet50",
        128,
        "differs",
        _k("dilation"),
        "resnet50:output_stride=8",
        "torchvision resnet50(replace_stride_with_dilation=[False, True, True]) as DeepLabV3 builds it: layer3 "
        "dilation 2, layer4 dilation 4, output stride 8; a segmentation backbone, run at 128",
    ),
    Case(
        "extra_block_layer3",
        DictResNet,
        "resnet18",
        224,
        "differs",
        _k("blocks"),
        "resnet18:layers=2+2+3+2",
        "course-notebook ResNet-18 built from a stage dict into an nn.ModuleDict, with 3 blocks in layer3",
    ),
    Case(
        "missing_block_layer2_resnet34",
        HandListedResNet34,
        "resnet34",
        224,
        "differs",
        _k("blocks"),
        "resnet34:layers=3+3+6+3",
        "Kaggle-style ResNet-34 with every block listed by hand; layer2 lists 3 blocks instead of 4",
    ),
    Case(
        "v1_bottleneck_foreign_names",
        V1ResNet50,
        "resnet50",
        160,
        "differs",
        _k("stride"),
        "resnet50:stride_in=v1",
        "the paper's v1 bottleneck (stride on the first 1×1) named reduce/spatial/expand/proj, shortcut computed "
        "first, x.mean((2, 3)) pool",
    ),
    Case(
        "projection_every_block",
        ProjectionResNet18,
        "resnet18",
        224,
        "differs",
        _k("shortcut"),
        "resnet18:shortcut=C",
        "kuangliu-like blocks on an ImageNet stem, but self.shortcut is a 1×1 conv + BN on every block",
    ),
    Case(
        "torch7_resnet18_shortcut_a",
        t7_resnet18_shortcut_a,
        "resnet18",
        224,
        "differs",
        _k("shortcut"),
        "resnet18:shortcut=A",
        "fb.resnet.torch ResNet-18 with -shortcutType A converted from Lua Torch: LambdaMap/LambdaReduce, "
        "AvgPool2d(1, 2) + cat(x, x*0) zero-pad shortcut",
    ),
    Case(
        "detectron2_r50_groupnorm",
        detectron2_r50_gn,
        "resnet50",
        160,
        "differs",
        _k("norm"),
        None,
        "detectron2 R-50-GN: GroupNorm(32) everywhere inside a Conv2d subclass that norms in its own forward, "
        "F.relu_, functional F.max_pool2d stem",
    ),
    Case(
        "maxpool_without_padding",
        AssignmentResNet18,
        "resnet18",
        224,
        "differs",
        _k("maxpool"),
        "resnet18:maxpool_padding=0",
        "course-assignment ResNet-18 whose stem max pool is nn.MaxPool2d(3, 2) with no padding: 55×55 maps",
    ),
    Case(
        "caffe_resnet50",
        lambda: CaffeResNet(CaffeBottleneck, [3, 4, 6, 3]),
        "resnet50",
        224,
        "differs",
        _k("maxpool", "stride"),
        None,
        "ruotianluo/pytorch-resnet (Caffe weights): max pool padding 0 with ceil_mode=True, stride on the 1×1 "
        "conv1, AvgPool2d(7)",
    ),
    Case(
        "patched_mnist_resnet18",
        patched_mnist_resnet18,
        "resnet18",
        28,
        "differs",
        _k("input"),
        "resnet18:in_channels=1",
        "torchvision resnet18 with model.conv1 replaced by a 1-channel 7×7/2 conv for MNIST, run at 28×28",
    ),
    Case(
        "patched_cifar_resnet18_kept_maxpool",
        patched_cifar_resnet18_kept_maxpool,
        "resnet18",
        32,
        "differs",
        _k("stem", "head"),
        "resnet18:stem=cifar,maxpool=true,num_classes=10",
        "torchvision resnet18 patched for CIFAR (conv1 → 3×3/1, fc → 10) but the max pool left in",
    ),
    Case(
        "lightning_resnet50_100_classes",
        ImagenetTransferLearning,
        "resnet50",
        160,
        "differs",
        _k("head"),
        "resnet50:num_classes=100",
        "PyTorch Lightning transfer-learning example: Sequential(*children()[:-1]) feature_extractor + a "
        "Linear(2048, 100) classifier",
    ),
    Case(
        "d2l_resnet18",
        d2l_resnet18,
        "resnet18",
        96,
        "differs",
        _k("input", "head", "shortcut", "bias"),
        "d2l_resnet18",
        "d2l.ai ResNet-18 for Fashion-MNIST: Lazy layers, biased convs, a bare biased 1×1 conv shortcut (no BN), "
        "net.0/b2..b5/last, 1 channel, 10 classes",
    ),
    Case(
        "basic_blocks_called_resnet50",
        lambda: NotebookResNet(3, ResBlock, [3, 4, 6, 3]),
        "resnet50",
        160,
        "differs",
        _k("block_type"),
        "resnet34",
        "notebook 'ResNet50 = ResNet(3, ResBlock, [3, 4, 6, 3])' with basic blocks: shortcut first, "
        "nn.ReLU()(...) inside forward; it is a ResNet-34",
    ),
    Case(
        "torchvision_wide_resnet50_2",
        tv_wide_resnet50_2,
        "resnet50",
        128,
        "differs",
        _k("width"),
        "wide_resnet50_2",
        "torchvision's wide_resnet50_2: the same code with width_per_group=128, bottleneck 3×3s twice as wide; "
        "run at 128",
    ),
    Case(
        "bag_of_tricks_resnet50d",
        ResNet50D,
        "resnet50",
        160,
        "differs",
        _k("stem", "shortcut"),
        "resnet50d",
        "Bag-of-Tricks ResNet-50-D the timm/GluonCV way: deep 3×3 stem (32, 32, 64) and avg-pool-then-1×1 "
        "projection shortcuts; run at 160 (timm's ResNet-D eval sizes vary)",
    ),
    Case(
        "ported_preresnet50_preact_tap",
        lambda: PortedPreResNet(shortcut_reads="preact"),
        "preact_resnet50",
        64,
        "matches",
        _k(),
        "preact_resnet50",
        "a port of fb.resnet.torch's preresnet: functional ReLUs, projection shortcuts on relu(bn1(x)) as He et "
        "al. 2016 and timm; run at 64",
    ),
    Case(
        "ported_preresnet50_raw_tap",
        lambda: PortedPreResNet(shortcut_reads="x"),
        "preact_resnet50",
        64,
        "differs",
        _k("shortcut"),
        None,
        "the same port with its projection shortcuts on the raw block input x: the same layers, shapes, params "
        "and MACs, another function",
    ),
    Case(
        "course_preact18_bn_relu_stem",
        CoursePreActNet,
        "preact_resnet18",
        32,
        "differs",
        _k("stem", "head"),
        None,
        "a course's pre-activation CIFAR net: 3×3/1 conv + BN + ReLU stem, every block pre-activating its own "
        "input, identities on the block input, 10 classes",
    ),
    Case(
        "flipped_shortcut_resnet18",
        flipped_shortcut_resnet18,
        "resnet18",
        64,
        "differs",
        _k("function"),
        None,
        "torchvision's resnet18 with layer1.0's identity reversed in channel order (`x.flip(1)`): the same graph, "
        "op for op, and another function",
    ),
]

CASES_BY_ID: dict[str, Case] = {case.id: case for case in CASES}
