"""train.step and cnn.conv_pool_step against hand backprop in numpy and torch.nn modules."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from grader.errors import ReferenceCallError
from reference.cnn import conv_pool_step
from reference.train import step


def sigmoid(z: np.ndarray | float) -> np.ndarray | float:
    return 1 / (1 + np.exp(-z))


# ----------------------------------------------------------------------------- 2-2-1 sigmoid net

NET_221 = [
    {
        "type": "linear",
        "weight": [[2.5, 1.0], [-1.5, -0.3]],
        "bias": [1.5, 2.0],
        "activation": "sigmoid",
    },
    {"type": "linear", "weight": [[1.0, 0.5]], "bias": [-1.0], "activation": "sigmoid"},
]


def test_221_net_against_textbook_backprop() -> None:
    x, y, eta = np.array([0.0, 1.0]), 1.0, 0.1
    w1, b1 = np.array([[2.5, 1.0], [-1.5, -0.3]]), np.array([1.5, 2.0])
    w2, b2 = np.array([1.0, 0.5]), -1.0
    h = sigmoid(w1 @ x + b1)
    assert np.allclose(h, [sigmoid(2.5), sigmoid(1.7)])
    y_hat = sigmoid(w2 @ h + b2)
    # textbook deltas (half squared error): delta_o = (y - ŷ) ŷ (1 - ŷ); delta_h = h(1-h) w2 delta_o
    delta_o = (y - y_hat) * y_hat * (1 - y_hat)
    delta_h = h * (1 - h) * w2 * delta_o
    # the weight update is w += eta * delta * (input of the weight)
    new_w2, new_b2 = w2 + eta * delta_o * h, b2 + eta * delta_o
    new_w1, new_b1 = w1 + eta * np.outer(delta_h, x), b1 + eta * delta_h

    r = step(NET_221, [0, 1], 1, "half_sse", 0.1)
    assert np.allclose(r["activations"][0], h) and np.allclose(r["activations"][1], [y_hat])
    assert np.allclose(r["pre_activations"][0], [2.5, 1.7])
    assert r["loss"] == pytest.approx(0.5 * (y - y_hat) ** 2)
    # torch's dL/dz is the negative of the textbook delta
    assert np.allclose(r["deltas"][1], [-delta_o]) and np.allclose(r["deltas"][0], -delta_h)
    assert np.allclose(r["output_grads"][1], [y_hat - y])
    assert [g["layer"] for g in r["grads"]] == [0, 1]
    assert np.allclose(r["updated"][0]["weight"], new_w1) and np.allclose(
        r["updated"][0]["bias"], new_b1
    )
    assert np.allclose(r["updated"][1]["weight"], [new_w2]) and np.allclose(
        r["updated"][1]["bias"], [new_b2]
    )
    # the student's 0.0993 is this delta computed from a rounded ŷ (0.59); the exact one is 0.1005
    assert round(delta_o, 4) == 0.1005
    assert delta_o != pytest.approx(0.0993, abs=5e-4)


def test_separate_activation_layers_give_the_same_step() -> None:
    split = [
        {"type": "linear", "weight": NET_221[0]["weight"], "bias": NET_221[0]["bias"]},
        {"type": "sigmoid"},
        {"type": "linear", "weight": NET_221[1]["weight"], "bias": NET_221[1]["bias"]},
        {"type": "sigmoid"},
    ]
    fused, separate = (
        step(NET_221, [0, 1], [1], "half_sse", 0.1),
        step(split, [0, 1], [1], "half_sse", 0.1),
    )
    assert separate["loss"] == pytest.approx(fused["loss"])
    assert [g["layer"] for g in separate["grads"]] == [0, 2]
    for a, b in zip(fused["updated"], separate["updated"], strict=True):
        assert np.allclose(a["weight"], b["weight"]) and np.allclose(a["bias"], b["bias"])
    # the delta of the fused layer is the output grad of the separate linear layer
    assert np.allclose(separate["output_grads"][2], fused["deltas"][1])
    assert np.allclose(separate["pre_activations"][3], fused["pre_activations"][1])


# ----------------------------------------------------------------------------- CNN seed

X = [
    [1, 7, -1, -7, 10, 11],
    [2, 8, 0, 0, 12, 13],
    [3, 9, 0, 0, 0, 0],
    [4, 10, -4, -10, 0, 0],
    [5, 11, -5, -11, 16, 17],
    [6, 12, -6, -12, 14, 15],
]
SOBEL = [[1, 0, -1], [2, 0, -2], [1, 0, -1]]


def correlate(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    kh, kw = kernel.shape
    rows, cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    result = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            total = 0.0
            for a in range(kh):
                for b in range(kw):
                    total += image[i + a, j + b] * kernel[a, b]
            result[i, j] = total
    return result


def test_cnn_seed_against_numpy_loops() -> None:
    x, f, target, lr = np.array(X, float), np.array(SOBEL, float), np.eye(3), 0.0005
    o = correlate(x, f)
    m = np.zeros((3, 3))
    d_o = np.zeros((4, 4))
    windows = {}
    for i in range(3):
        for j in range(3):
            window = o[i : i + 2, j : j + 2]
            assert (window == window.max()).sum() == 1  # no ties: the gradient route is unambiguous
            m[i, j] = window.max()
            a, b = np.unravel_index(window.argmax(), (2, 2))
            windows[i, j] = (i + a, j + b)
    loss = ((m - target) ** 2).mean()
    d_m = 2 * (m - target) / m.size
    for (i, j), (a, b) in windows.items():
        d_o[a, b] += d_m[i, j]
    d_f = correlate(x, d_o)

    r = conv_pool_step(X, SOBEL, np.eye(3).tolist(), lr=lr)
    assert np.allclose(r["O"], o)
    assert np.allclose(r["M"], m)
    assert r["loss"] == pytest.approx(loss)
    assert np.allclose(r["dL_dM"], d_m)
    assert np.allclose(r["dL_dO"], d_o)
    assert np.allclose(r["dL_dF"], d_f)
    assert np.allclose(r["F_new"], f - lr * d_f)
    assert r["O"][0] == [9.0, 39.0, -35.0, -44.0]
    # (46-1)^2 + 46^2 + 16^2 + 71^2 + (71-1)^2 + 16^2 + 88^2 + 88^2 + (-29-1)^2 = 30982
    assert r["loss"] == pytest.approx(30982 / 9)


def test_conv_pool_step_avg_pool_and_stride() -> None:
    r = conv_pool_step(X, SOBEL, [[0, 0], [0, 0]], lr=0.1, pool="avg", pool_kernel=2, pool_stride=2)
    o = correlate(np.array(X, float), np.array(SOBEL, float))
    m = o.reshape(2, 2, 2, 2).mean(axis=(1, 3))
    assert np.allclose(r["M"], m)
    assert np.allclose(r["dL_dO"], np.kron(2 * m / 4, np.ones((2, 2))) / 4)


# ----------------------------------------------------------------------------- against torch.nn


def test_batched_mlp_against_nn_modules() -> None:
    gen = torch.Generator().manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
    x = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    labels = torch.tensor([0, 1, 1, 0, 1])
    layers = [
        {"type": "linear", "weight": model[0].weight.tolist(), "bias": model[0].bias.tolist()},
        {"type": "tanh"},
        {"type": "linear", "weight": model[2].weight.tolist(), "bias": model[2].bias.tolist()},
    ]
    r = step(layers, x.tolist(), labels.tolist(), "cross_entropy", 0.3)
    loss = nn.CrossEntropyLoss()(model(x), labels)
    loss.backward()
    assert r["loss"] == pytest.approx(loss.item())
    assert np.allclose(r["grads"][0]["weight"], model[0].weight.grad)
    assert np.allclose(r["grads"][1]["bias"], model[2].bias.grad)
    assert np.allclose(
        r["updated"][1]["weight"], (model[2].weight - 0.3 * model[2].weight.grad).detach()
    )
    assert np.array(r["activations"][2]).shape == (5, 2)


@pytest.mark.parametrize(
    ("loss", "module"),
    [
        ("mse", nn.MSELoss()),
        ("mse_sum", nn.MSELoss(reduction="sum")),
        ("bce", nn.BCELoss()),
        ("cross_entropy", nn.CrossEntropyLoss()),
    ],
)
def test_losses_against_nn_modules(loss: str, module: nn.Module) -> None:
    weight = [[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]]
    layers = [{"type": "linear", "weight": weight, "bias": [0.1, 0.0, -0.2]}, {"type": "sigmoid"}]
    x = torch.tensor([[1.0, 2.0], [-1.0, 0.5]], dtype=torch.float64)
    target = torch.tensor([[1.0, 0.0, 1.0], [0.2, 0.3, 0.5]], dtype=torch.float64)
    out = torch.sigmoid(
        x @ torch.tensor(weight, dtype=torch.float64).T + torch.tensor([0.1, 0.0, -0.2])
    )
    r = step(layers, x.tolist(), target.tolist(), loss, 0.1)
    assert r["loss"] == pytest.approx(module(out, target).item())


def test_half_sse_and_class_index_targets_by_hand() -> None:
    layers = [{"type": "linear", "weight": [[1.0, 2.0], [0.5, -1.0]], "bias": None}]
    r = step(layers, [1.0, 1.0], [0.0, 1.0], "half_sse", 0.1)
    assert r["loss"] == pytest.approx(0.5 * ((3 - 0) ** 2 + (-0.5 - 1) ** 2))
    assert r["grads"][0]["bias"] is None
    r = step(layers, [1.0, 1.0], 0, "cross_entropy", 0.1)
    assert r["loss"] == pytest.approx(-3 + math.log(math.exp(3) + math.exp(-0.5)))


def test_cnn_with_channels_against_nn_modules() -> None:
    gen = torch.Generator().manual_seed(2)
    conv = nn.Conv2d(2, 3, 3, stride=1, padding=1).double()
    fc = nn.Linear(3 * 2 * 2, 1).double()
    with torch.no_grad():
        for p in [*conv.parameters(), *fc.parameters()]:
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
    model = nn.Sequential(conv, nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(0), fc)
    image = torch.randn(2, 4, 4, generator=gen, dtype=torch.float64)
    layers = [
        {
            "type": "conv2d",
            "weight": conv.weight.tolist(),
            "bias": conv.bias.tolist(),
            "padding": 1,
            "activation": "relu",
        },
        {"type": "avgpool2d", "kernel": 2},
        {"type": "flatten"},
        {"type": "linear", "weight": fc.weight.tolist(), "bias": fc.bias.tolist()},
    ]
    r = step(layers, image.tolist(), [0.5], "mse", 0.01)
    loss = nn.MSELoss()(model(image), torch.tensor([0.5], dtype=torch.float64))
    loss.backward()
    assert r["loss"] == pytest.approx(loss.item())
    assert np.allclose(r["grads"][0]["weight"], conv.weight.grad)
    assert np.allclose(r["grads"][0]["bias"], conv.bias.grad)
    assert np.allclose(r["grads"][1]["weight"], fc.weight.grad)
    assert np.array(r["activations"][0]).shape == (3, 4, 4)
    assert np.array(r["activations"][2]).shape == (12,)


def test_errors_name_the_layer_and_argument() -> None:
    linear = {"type": "linear", "weight": [[1.0, 2.0, 3.0]], "bias": [0.0]}
    with pytest.raises(
        ReferenceCallError,
        match=r"layers\[0\] \(linear\): weight is 1x3 but its input has 2 values",
    ):
        step([linear], [1, 2], [0], "mse", 0.1)
    with pytest.raises(ReferenceCallError, match=r"layers\[0\]\.type must be one of"):
        step([{"type": "dense"}], [1, 2], [0], "mse", 0.1)
    with pytest.raises(ReferenceCallError, match=r"unknown key\(s\) \['kernel_size'\]"):
        step([{"type": "maxpool2d", "kernel_size": 2}], [[1, 2], [3, 4]], [0], "mse", 0.1)
    with pytest.raises(ReferenceCallError, match="target has 2 values"):
        step([linear], [1, 2, 3], [0, 1], "mse", 0.1)
    with pytest.raises(ReferenceCallError, match="strictly between 0 and 1"):
        step([linear], [1, 2, 3], [1], "bce", 0.1)
    with pytest.raises(ReferenceCallError, match="loss must be one of"):
        step([linear], [1, 2, 3], [1], "l1", 0.1)
    with pytest.raises(ReferenceCallError, match="lr must be a finite number"):
        step([linear], [1, 2, 3], [1], "mse", "fast")
    with pytest.raises(ReferenceCallError, match=r"x must be a 2-D nested list"):
        conv_pool_step([1, 2], SOBEL, [[0]], lr=0.1)
