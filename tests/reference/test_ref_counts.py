"""counts: closed forms against torch modules (parameter counts, output shapes, FLOP counter)
and the receptive field against a one-hot gradient through a real conv stack."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from grader.errors import ReferenceCallError
from reference import counts


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize(("n_in", "n_out", "bias"), [(3, 4, True), (10, 1, False), (7, 7, True)])
def test_linear_against_nn_linear(n_in: int, n_out: int, bias: bool) -> None:
    result = counts.linear(n_in, n_out, bias=bias)
    layer = nn.Linear(n_in, n_out, bias=bias)
    assert result["params"] == n_params(layer)
    with FlopCounterMode(display=False) as counter:
        layer(torch.zeros(1, n_in))
    assert 2 * result["macs"] == counter.get_total_flops()


CONV_CASES = [
    dict(in_channels=3, out_channels=8, kernel=3, input_size=32, padding=1),
    dict(in_channels=1, out_channels=6, kernel=5, input_size=28),
    dict(
        in_channels=4,
        out_channels=6,
        kernel=[3, 2],
        input_size=[11, 9],
        stride=[2, 1],
        groups=2,
        bias=False,
    ),
    dict(in_channels=2, out_channels=4, kernel=3, input_size=15, stride=2, padding=2, dilation=2),
    dict(in_channels=6, out_channels=6, kernel=3, input_size=8, groups=6),
]


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_against_nn_conv2d(case: dict) -> None:
    result = counts.conv2d(**case)
    h, w = (case["input_size"],) * 2 if isinstance(case["input_size"], int) else case["input_size"]
    layer = nn.Conv2d(
        case["in_channels"],
        case["out_channels"],
        case["kernel"],
        stride=case.get("stride", 1),
        padding=case.get("padding", 0),
        dilation=case.get("dilation", 1),
        groups=case.get("groups", 1),
        bias=case.get("bias", True),
    )
    x = torch.zeros(1, case["in_channels"], h, w)
    with FlopCounterMode(display=False) as counter:
        y = layer(x)
    assert result["params"] == n_params(layer)
    assert result["output_shape"] == list(y.shape[1:])
    assert result["output_size"] == list(y.shape[2:])
    assert 2 * result["macs"] == counter.get_total_flops()


def test_conv2d_macs_without_padding_count_every_product() -> None:
    # ones everywhere, no padding, no bias: each output sums exactly its products
    layer = nn.Conv2d(3, 5, (3, 2), stride=(1, 2), bias=False)
    nn.init.ones_(layer.weight)
    total = layer(torch.ones(1, 3, 9, 8)).sum().item()
    assert counts.conv2d(3, 5, [3, 2], [9, 8], stride=[1, 2], bias=False)["macs"] == total


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("dilation", [1, 2])
def test_solve_kernel_round_trips_through_torch(stride: int, padding: int, dilation: int) -> None:
    size = 17
    for kernel in range(1, 8):
        x = torch.zeros(1, 1, size, 1)
        out = nn.functional.conv2d(
            x, torch.zeros(1, 1, kernel, 1), stride=stride, padding=(padding, 0), dilation=dilation
        )
        h_out = out.shape[2]
        try:
            k = counts.solve_kernel(size, h_out, stride=stride, padding=padding, dilation=dilation)
        except ReferenceCallError:
            assert dilation > 1  # with dilation 1 an exact fit always exists
            continue
        check = nn.functional.conv2d(
            x, torch.zeros(1, 1, k, 1), stride=stride, padding=(padding, 0), dilation=dilation
        )
        assert check.shape[2] == h_out
        assert k >= kernel  # the returned kernel is the largest that fits
        assert (size + 2 * padding - dilation * (k - 1) - 1) % stride == 0


def test_solve_kernel_examples_and_errors() -> None:
    assert counts.solve_kernel(32, 28) == 5
    assert counts.solve_kernel(7, 3, stride=2) == 3
    assert counts.solve_kernel(32, 32, padding=1) == 3
    with pytest.raises(
        ReferenceCallError, match="no kernel size maps input_size=8 to output_size=3"
    ):
        counts.solve_kernel(8, 3, stride=2, dilation=2)
    with pytest.raises(ReferenceCallError, match="no kernel size"):
        counts.solve_kernel(5, 9)
    with pytest.raises(ReferenceCallError, match="output_size must be >= 1"):
        counts.solve_kernel(5, 0)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(("n_in", "hidden"), [(10, 20), (3, 1)])
def test_rnn_against_torch_modules(kind: str, n_in: int, hidden: int) -> None:
    module = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[kind]
    with_bias = n_params(module(n_in, hidden))
    without = n_params(module(n_in, hidden, bias=False))
    assert counts.rnn(kind, n_in, hidden)["params"] == with_bias
    assert counts.rnn(kind, n_in, hidden, bias=True)["params"] == with_bias
    assert counts.rnn(kind, n_in, hidden, bias=False)["params"] == without
    assert counts.rnn(kind, n_in, hidden, bias="single")["params"] == (with_bias + without) // 2
    assert counts.rnn(kind, n_in, hidden)["macs_per_step"] == without
    assert counts.rnn(kind, n_in, hidden)["gates"] == gates


def receptive_field_by_gradient(layers: list[dict]) -> int:
    """Count the input positions that influence one output unit of a real conv1d stack."""
    stack = []
    for layer in layers:
        conv = nn.Conv1d(
            1,
            1,
            layer["kernel"],
            stride=layer.get("stride", 1),
            dilation=layer.get("dilation", 1),
            bias=False,
        )
        nn.init.ones_(conv.weight)
        stack.append(conv)
    model = nn.Sequential(*stack)
    x = torch.ones(1, 1, 200, requires_grad=True)
    y = model(x)
    grad = torch.zeros_like(y)
    grad[0, 0, y.shape[2] // 2] = 1.0
    y.backward(grad)
    return int((x.grad != 0).sum())


@pytest.mark.parametrize(
    "layers",
    [
        [{"kernel": 3}],
        [{"kernel": 3}, {"kernel": 3}, {"kernel": 3}],
        [
            {"kernel": 3},
            {"kernel": 2, "stride": 2},
            {"kernel": 3},
            {"kernel": 2, "stride": 2},
            {"kernel": 3},
        ],
        [
            {"kernel": 5, "stride": 2},
            {"kernel": 3, "dilation": 2},
            {"kernel": 3, "stride": 3, "dilation": 3},
            {"kernel": 2},
        ],
    ],
)
def test_receptive_field_against_one_hot_gradient(layers: list[dict]) -> None:
    assert counts.receptive_field(layers) == receptive_field_by_gradient(layers)


def test_bad_arguments() -> None:
    with pytest.raises(ReferenceCallError, match="in_features must be an integer"):
        counts.linear(2.5, 3)
    with pytest.raises(ReferenceCallError, match="bias must be true or false"):
        counts.linear(2, 3, bias="yes")
    with pytest.raises(ReferenceCallError, match="groups=4 must divide in_channels=6"):
        counts.conv2d(6, 8, 3, 10, groups=4)
    with pytest.raises(ReferenceCallError, match="kernel spans 7 height positions"):
        counts.conv2d(1, 1, 4, 4, dilation=2)
    with pytest.raises(ReferenceCallError, match="kind must be one of"):
        counts.rnn("transformer", 3, 4)
    with pytest.raises(ReferenceCallError, match="bias must be 'torch', 'single' or false"):
        counts.rnn("lstm", 3, 4, bias="double")
    with pytest.raises(ReferenceCallError, match=r"layers\[1\]\.stride must be >= 1"):
        counts.receptive_field([{"kernel": 3}, {"kernel": 3, "stride": 0}])
    with pytest.raises(ReferenceCallError, match="kernel must be an integer or a pair"):
        counts.conv2d(1, 1, [3, 3, 3], 8)
