"""Architecture diagrams: what they say (from the paper's tables, written out here) and that it stays legible."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from resnet_inspect.core.configs import parse_arch
from resnet_inspect.features.architecture import block_diagrams, network_diagram, paper_blocks, shape_words
from resnet_inspect.views import diagrams, figures

from .figure_checks import text_problems


def _groups(name: str, size: tuple[int, int]) -> list[tuple[str, int, str, str, str]]:
    d = network_diagram(parse_arch(name), size)
    return [(g.stage, g.count, g.shortcut, shape_words(g.in_shape), shape_words(g.out_shape)) for g in d.groups]


def test_resnet152_collapses_each_stage_into_its_first_block_and_the_rest():
    # Table 1: 3, 8, 36, 3 bottleneck blocks; 256, 512, 1024, 2048 channels at 56, 28, 14, 7.
    assert _groups("resnet152", (224, 224)) == [
        ("layer1", 1, "projection", "64×56×56", "256×56×56"),
        ("layer1", 2, "identity", "256×56×56", "256×56×56"),
        ("layer2", 1, "projection", "256×56×56", "512×28×28"),
        ("layer2", 7, "identity", "512×28×28", "512×28×28"),
        ("layer3", 1, "projection", "512×28×28", "1024×14×14"),
        ("layer3", 35, "identity", "1024×14×14", "1024×14×14"),
        ("layer4", 1, "projection", "1024×14×14", "2048×7×7"),
        ("layer4", 2, "identity", "2048×7×7", "2048×7×7"),
    ]
    d = network_diagram(parse_arch("resnet152"), (224, 224))
    assert [n.text for n in d.stem] == ["7×7 conv, 64, /2", "3×3 max pool, /2"]
    assert [n.text for n in d.groups[2].nodes] == ["1×1 conv, 128", "3×3 conv, 128, /2", "1×1 conv, 512"]  # v1.5
    assert [n.text for n in d.groups[2].shortcut_nodes] == ["1×1 conv, 512, /2"]
    assert [n.text for n in d.head] == ["global avg pool", "fc, 1000"]
    assert [d.stage_blocks(s) for s in ("layer1", "layer2", "layer3", "layer4")] == [3, 8, 36, 3]


def test_resnet110_has_option_a_zero_padding_where_the_shape_changes():
    # Section 4.2: 6n + 2 layers, n = 18; maps 32, 16, 8 with 16, 32, 64 filters; option A shortcuts.
    assert _groups("resnet110", (32, 32)) == [
        ("layer1", 18, "identity", "16×32×32", "16×32×32"),
        ("layer2", 1, "zero-pad", "16×32×32", "32×16×16"),
        ("layer2", 17, "identity", "32×16×16", "32×16×16"),
        ("layer3", 1, "zero-pad", "32×16×16", "64×8×8"),
        ("layer3", 17, "identity", "64×8×8", "64×8×8"),
    ]
    d = network_diagram(parse_arch("resnet110"), (32, 32))
    assert [n.text for n in d.groups[1].shortcut_nodes] == ["zero-pad, /2, +16 ch"]
    assert [n.text for n in d.stem] == ["3×3 conv, 16"]


def test_edges_follow_the_input_size_and_the_knobs():
    # 512×640: every side divided by 32 at the end, 16×20; layer4's 3×3 stride 2 on 32×40 → 16×20.
    groups = _groups("resnet50", (512, 640))
    assert groups[-1][3:] == ("2048×16×20", "2048×16×20")
    # ResNet-D: an avg pool then a 1×1 conv where the shortcut strides; layer1 (stride 1) keeps a plain projection.
    kinds = [(stage, shortcut) for stage, count, shortcut, *_ in _groups("resnet50d", (224, 224)) if count == 1]
    assert kinds == [("layer1", "projection"), ("layer2", "avgdown"), ("layer3", "avgdown"), ("layer4", "avgdown")]
    # Projection on every block (option C): the repeated blocks carry a 1×1 conv too.
    assert {shortcut for _, _, shortcut, *_ in _groups("resnet50:shortcut=C", (224, 224))} == {"projection"}
    # Output stride 8: layer3 and layer4 keep 28×28 and dilate instead.
    assert _groups("resnet50:output_stride=8", (224, 224))[-1][4] == "2048×28×28"


def test_block_diagrams_draw_every_op_in_the_plans_order():
    basic, bottleneck = paper_blocks()
    texts = lambda b: [n.text for n in b.nodes]  # noqa: E731
    # Figure 5: 64-d basic block (two 3×3, 64) and 256-d bottleneck (1×1, 64; 3×3, 64; 1×1, 256).
    assert texts(basic) == ["3×3, 64", "BN", "ReLU", "3×3, 64", "BN", "+", "ReLU"]
    assert texts(bottleneck) == ["1×1, 64", "BN", "ReLU", "3×3, 64", "BN", "ReLU", "1×1, 256", "BN", "+", "ReLU"]
    assert basic.shortcut == bottleneck.shortcut == "identity"
    assert shape_words(bottleneck.in_shape) == "256×56×56"
    # Pre-activation: BN and ReLU come first, and the add ends the block.
    first, repeated = block_diagrams(parse_arch("preact_resnet50"), "layer2", (224, 224))
    assert texts(first)[:3] == ["BN", "ReLU", "1×1, 128"] and texts(first)[-1] == "+"
    assert [n.text for n in first.shortcut_nodes] == ["1×1, 512, /2"]
    # SE (reduction 16 of 1024 = 64) gates the residual before the add.
    first, repeated = block_diagrams(parse_arch("seresnet50"), "layer3", (224, 224))
    assert texts(first)[8:15] == [
        "global avg pool",
        "fc, 64 (1×1 conv)",
        "ReLU",
        "fc, 1024 (1×1 conv)",
        "sigmoid",
        "×",
        "+",
    ]
    assert [n.text for n in first.shortcut_nodes] == ["1×1, 1024, /2", "BN"]
    assert repeated.label == "the 5 blocks after it" and repeated.shortcut == "identity"


def test_a_stage_that_does_not_exist_is_refused():
    from resnet_inspect.core.errors import InspectError

    with pytest.raises(InspectError, match="stage 'layer4' is not valid for resnet110; use one of layer1, layer2"):
        block_diagrams(parse_arch("resnet110"), "layer4", (32, 32))


def _dotted_lines(fig) -> int:
    return sum(1 for ax in fig.axes for line in ax.get_lines() if line.get_linestyle() == ":")


@pytest.mark.parametrize("figsize", [None, "column", "slide"])
@pytest.mark.parametrize(
    ("name", "size"), [("resnet152", (224, 224)), ("resnet110", (32, 32)), ("resnet50d", (224, 224))]
)
def test_network_diagrams_keep_every_label_clear(name, size, figsize):
    fig = diagrams.network_figure(network_diagram(parse_arch(name), size), figsize=figsize)
    assert text_problems(fig) == []
    if name == "resnet152":  # four dotted projections, and the legend's sample
        assert _dotted_lines(fig) == 5
    figures._pyplot().close(fig)


@pytest.mark.parametrize("figsize", [None, "column"])
@pytest.mark.parametrize(
    ("name", "stage"),
    [
        (None, None),
        ("seresnet50", "layer3"),
        ("preact_resnet50", "layer2"),
        ("resnet50d", "layer2"),
        ("resnet110", "layer2"),
    ],
)
def test_block_diagrams_keep_every_label_clear(name, stage, figsize):
    blocks = paper_blocks() if name is None else block_diagrams(parse_arch(name), stage, (224, 224))
    fig = diagrams.block_figure(blocks, title="blocks", figsize=figsize)
    assert text_problems(fig) == []
    figures._pyplot().close(fig)


def test_diagram_svg_keeps_its_words_as_text(tmp_path):
    path = tmp_path / "r152.svg"
    figures.save(diagrams.network_figure(network_diagram(parse_arch("resnet152"), (224, 224))), path)
    words = {"".join(t.itertext()) for t in ET.parse(path).iter("{http://www.w3.org/2000/svg}text")}
    assert {"×35", "1×1 conv, 1024, /2", "3×3 conv, 256, /2", "1024×14×14", "resnet152 at 224×224"} <= words


def test_a_slide_gets_the_column_in_columns():
    from matplotlib.text import Text

    # ResNet-152's column is 22.6 in tall: squeezed whole into a 10×5.6 in slide its 7 pt labels would be 1.7 pt.
    fig = diagrams.network_figure(network_diagram(parse_arch("resnet152"), (224, 224)), figsize="slide")
    assert tuple(fig.get_size_inches()) == (10, 5.6)
    assert min(t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip()) > 4
    assert text_problems(fig) == []
    figures._pyplot().close(fig)
