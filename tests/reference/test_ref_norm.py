"""norm.stats against hand values (IFT6135 Q4), numpy, and torch's normalisation layers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader.errors import ReferenceCallError
from reference.norm import stats

# IFT6135 Q4: 4 samples x 2 channels x 3 positions (NCL).
Q4 = [
    [[1, 3, 2], [1, 2, 3]],
    [[3, 3, 2], [2, 4, 4]],
    [[4, 2, 2], [1, 2, 4]],
    [[3, 3, 2], [3, 3, 2]],
]


def test_q4_batch_statistics_by_hand() -> None:
    result = stats(Q4, layout="NCL", kind="batch")
    # channel 0 holds 1,3,2,3,3,2,4,2,2,3,3,2 (sum 30); channel 1 sums to 31.
    assert result["mean"] == pytest.approx([30 / 12, 31 / 12])
    assert result["count"] == 12
    # channel 0: squared deviations from 2.5 sum to 7; channel 1: to 12.91666...
    assert result["var"] == pytest.approx([7 / 12, (155 / 12) / 12])
    unbiased = stats(Q4, kind="batch", unbiased=True)
    assert unbiased["var"] == pytest.approx([7 / 11, (155 / 12) / 11])
    # the student's numbers are the unbiased ones, to 4 decimals
    assert unbiased["var"] == pytest.approx([0.6364, 1.1742], abs=5e-5)
    assert result["var"][0] != pytest.approx(0.6364, abs=1e-3)


def test_q4_layer_and_instance_by_hand() -> None:
    layer = stats(Q4, kind="layer")
    assert layer["mean"] == pytest.approx([2.0, 3.0, 2.5, 8 / 3])
    assert layer["var"] == pytest.approx([2 / 3, 2 / 3, 1.25, 2 / 9])
    instance = stats(Q4, kind="instance")
    assert np.allclose(instance["mean"], [[2, 2], [8 / 3, 10 / 3], [8 / 3, 7 / 3], [8 / 3, 8 / 3]])
    assert np.allclose(
        instance["var"], [[2 / 3, 2 / 3], [2 / 9, 8 / 9], [8 / 9, 14 / 9], [2 / 9, 2 / 9]]
    )
    assert instance["count"] == 3


@pytest.mark.parametrize("layout", ["NC", "NCL", "NCHW"])
@pytest.mark.parametrize("unbiased", [False, True])
def test_against_numpy(layout: str, unbiased: bool) -> None:
    rng = np.random.default_rng(len(layout) + unbiased)
    shape = {"NC": (5, 4), "NCL": (3, 4, 5), "NCHW": (2, 4, 3, 2)}[layout]
    x = rng.normal(size=shape)
    ddof = 1 if unbiased else 0
    spatial = tuple(range(2, x.ndim))
    expected = {
        "batch": (x.mean(axis=(0, *spatial)), x.var(axis=(0, *spatial), ddof=ddof)),
        "layer": (x.mean(axis=(1, *spatial)), x.var(axis=(1, *spatial), ddof=ddof)),
    }
    if layout != "NC":
        expected["instance"] = (x.mean(axis=spatial), x.var(axis=spatial, ddof=ddof))
    grouped = x.reshape(x.shape[0], 2, -1)
    expected["group"] = (grouped.mean(axis=2), grouped.var(axis=2, ddof=ddof))
    for kind, (mean, var) in expected.items():
        groups = 2 if kind == "group" else None
        result = stats(x.tolist(), layout=layout, kind=kind, groups=groups, unbiased=unbiased)
        assert np.allclose(result["mean"], mean, atol=1e-12), kind
        assert np.allclose(result["var"], var, atol=1e-12), kind


def test_normalising_with_the_stats_reproduces_torch_layers() -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(3, 4, 5, 2, generator=gen, dtype=torch.float64)
    eps = 1e-5

    def normalise(kind: str, groups: int | None = None) -> torch.Tensor:
        r = stats(x.tolist(), layout="NCHW", kind=kind, groups=groups)
        mean, var = (
            torch.tensor(r["mean"], dtype=torch.float64),
            torch.tensor(r["var"], dtype=torch.float64),
        )
        if kind == "batch":
            return (x - mean.view(1, 4, 1, 1)) / (var.view(1, 4, 1, 1) + eps).sqrt()
        if kind == "layer":
            return (x - mean.view(3, 1, 1, 1)) / (var.view(3, 1, 1, 1) + eps).sqrt()
        if kind == "instance":
            return (x - mean.view(3, 4, 1, 1)) / (var.view(3, 4, 1, 1) + eps).sqrt()
        g = x.view(3, 2, -1)
        return ((g - mean.unsqueeze(-1)) / (var.unsqueeze(-1) + eps).sqrt()).view_as(x)

    assert torch.allclose(normalise("batch"), F.batch_norm(x, None, None, training=True, eps=eps))
    assert torch.allclose(normalise("layer"), F.layer_norm(x, x.shape[1:], eps=eps))
    assert torch.allclose(normalise("instance"), F.instance_norm(x, eps=eps))
    assert torch.allclose(normalise("group", 2), F.group_norm(x, 2, eps=eps))


def test_unbiased_batch_var_is_torch_running_var() -> None:
    x = torch.tensor(Q4, dtype=torch.float64)
    bn = torch.nn.BatchNorm1d(2, momentum=1.0, dtype=torch.float64)
    bn.train()
    bn(x)
    assert np.allclose(stats(Q4, unbiased=True)["var"], bn.running_var.tolist())


def test_bad_arguments_name_the_argument() -> None:
    with pytest.raises(ReferenceCallError, match="x: expected a 4-D array"):
        stats(Q4, layout="NCHW")
    with pytest.raises(ReferenceCallError, match="groups=3 does not divide the 2 channels"):
        stats(Q4, kind="group", groups=3)
    with pytest.raises(ReferenceCallError, match="groups must be a positive integer"):
        stats(Q4, kind="group")
    with pytest.raises(ReferenceCallError, match="groups is only used"):
        stats(Q4, kind="batch", groups=2)
    with pytest.raises(ReferenceCallError, match="kind must be one of"):
        stats(Q4, kind="weight")
    with pytest.raises(ReferenceCallError, match="unbiased=true needs at least 2 values"):
        stats([[1.0, 2.0]], layout="NC", kind="instance", unbiased=True)
    with pytest.raises(ReferenceCallError, match=r"x\[0\] is ragged"):
        stats([[[1, 2], [3]]])
