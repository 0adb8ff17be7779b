"""The catalog: names resolve, every public reference function is listed, calls are checked,
results are JSON, devices behave (CUDA without a GPU fails cleanly; GPU == CPU when present)."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from grader.errors import ReferenceCallError
from reference import catalog

NO_GPU = "CUDA was requested but no GPU is available; use --device cpu"

XOR_NET = [
    {"weight": [[1, 1], [-1, -1]], "bias": [-0.5, 1.5], "activation": "step"},
    {"weight": [[1, 1]], "bias": [-1.5], "activation": "step"},
]

# One small valid call per catalog entry.
EXAMPLES: dict[str, dict] = {
    "norm.stats": {"x": [[[1, 3, 2], [1, 2, 3]], [[3, 3, 2], [2, 4, 4]]], "kind": "instance"},
    "autograd.jacobian": {"outputs": ["x*y", "sin(x)"], "variables": ["x", "y"], "point": [1, 2]},
    "autograd.jacobian_composition": {
        "inner": {"outputs": ["x^2", "x*y"], "variables": ["x", "y"]},
        "outer": {"outputs": ["u + v"], "variables": ["u", "v"]},
        "point": [1.0, 3.0],
    },
    "autograd.evaluate": {"expression": "exp(x) + y", "variables": ["x", "y"], "point": [0, 2]},
    "train.step": {
        "layers": [
            {"type": "linear", "weight": [[0.5, -0.25]], "bias": [0.1]},
            {"type": "sigmoid"},
        ],
        "input": [1, 2],
        "target": [1],
        "loss": "half_sse",
        "lr": 0.5,
    },
    "cnn.conv_pool_step": {
        "x": [[1, 2, 3], [4, 5, 6], [7, 8, 10]],
        "kernel": [[1, 0], [0, -1]],
        "target": [[0]],
        "lr": 0.1,
    },
    "counts.linear": {"in_features": 3, "out_features": 2},
    "counts.conv2d": {"in_channels": 3, "out_channels": 4, "kernel": 3, "input_size": [8, 6]},
    "counts.solve_kernel": {"input_size": 28, "output_size": 24},
    "counts.rnn": {"kind": "gru", "input_size": 5, "hidden_size": 7},
    "counts.receptive_field": {"layers": [{"kernel": 3}, {"kernel": 3, "stride": 2}]},
    "optim.trajectory": {
        "name": "adam",
        "params": [1.0, 2.0],
        "grads": [[0.1, -0.2], [0.3, 0.0]],
        "lr": 0.01,
    },
    "network.truth_table": {"outputs": ["a xor b"], "variables": ["a", "b"]},
    "network.run": {"layers": XOR_NET, "inputs": [[0, 0], [0, 1]]},
    "network.check": {"layers": XOR_NET, "outputs": ["a xor b"], "variables": ["a", "b"]},
}


def test_catalog_import_does_not_import_torch() -> None:
    code = "import sys, reference.catalog as c; c.names(); print('torch' in sys.modules)"
    root = Path(catalog.__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert result.stdout.strip() == "False"


def test_every_entry_resolves_to_a_callable_with_a_device_keyword() -> None:
    assert catalog.names() == sorted(catalog.CATALOG)
    for name, entry in catalog.CATALOG.items():
        assert entry.name == name
        assert name.split(".")[0] == entry.module.rsplit(".", 1)[1]
        func = catalog.resolve(name)
        assert callable(func)
        assert func.__doc__, name
        parameter = inspect.signature(func).parameters["device"]
        assert (
            parameter.default == "cpu" and parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        )


def test_every_public_reference_function_is_in_the_catalog() -> None:
    listed = {(entry.module, entry.function) for entry in catalog.CATALOG.values()}
    found = set()
    # list the package's own directory: with tests/ on sys.path the name ``reference`` can
    # resolve to the namespace package tests/reference, whose __path__ lists test files
    package_dir = Path(catalog.__file__).resolve().parent
    for info in pkgutil.iter_modules([str(package_dir)], "reference."):
        if info.name in catalog.SUPPORT_MODULES:
            continue
        module = importlib.import_module(info.name)
        for attr, value in vars(module).items():
            if attr.startswith("_") or not inspect.isfunction(value):
                continue
            if value.__module__ == info.name:
                found.add((info.name, attr))
    assert found == listed


def test_examples_cover_the_catalog_and_results_are_json() -> None:
    assert set(EXAMPLES) == set(catalog.CATALOG)
    for name, args in EXAMPLES.items():
        result = catalog.call(name, args)
        assert json.loads(json.dumps(result, allow_nan=False)) == result, name


def test_unknown_name_suggests_close_matches() -> None:
    with pytest.raises(ReferenceCallError, match=r"did you mean 'counts\.conv2d'"):
        catalog.call("count.conv2d", {})
    with pytest.raises(ReferenceCallError, match="unknown reference"):
        catalog.call("nothing.like.it", {})


def test_bad_arguments_are_reference_call_errors() -> None:
    with pytest.raises(ReferenceCallError, match="did you mean 'in_features'"):
        catalog.call("counts.linear", {"in_feature": 3, "out_features": 2})
    with pytest.raises(ReferenceCallError, match="missing a required argument: 'lr'"):
        catalog.call("optim.trajectory", {"name": "sgd", "params": [1.0], "grads": [[1.0]]})
    with pytest.raises(ReferenceCallError, match="device"):
        catalog.call("counts.linear", {"in_features": 3, "out_features": 2, "device": "cpu"})
    with pytest.raises(ReferenceCallError, match="args must be a mapping"):
        catalog.call("counts.linear", [3, 2])  # type: ignore[arg-type]
    with pytest.raises(ReferenceCallError, match=r"norm\.stats: layout must be one of"):
        catalog.call("norm.stats", {"x": [[1.0]], "layout": "NHWC"})


def test_unexpected_failures_are_wrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    import reference.counts

    def boom(**kwargs: object) -> None:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(reference.counts, "linear", boom)
    with pytest.raises(ReferenceCallError, match="counts.linear failed: ZeroDivisionError: oops"):
        catalog.call("counts.linear", {})


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_cuda_without_gpu_raises_the_clean_message(name: str) -> None:
    with pytest.raises(ReferenceCallError) as info:
        catalog.call(name, EXAMPLES[name], device="cuda")
    assert str(info.value).endswith(NO_GPU)
    with pytest.raises(ReferenceCallError, match="device must be 'cpu' or 'cuda'"):
        catalog.call(name, EXAMPLES[name], device="tpu")


def _close(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-9 * max(1.0, abs(b))
    return a == b


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_gpu_results_match_cpu(name: str) -> None:
    on_cpu = catalog.call(name, EXAMPLES[name], device="cpu")
    on_gpu = catalog.call(name, EXAMPLES[name], device="cuda")
    assert _close(on_gpu, on_cpu)


# --------------------------------------------------------------------------- documentation (key refs --verbose)


@pytest.mark.parametrize("name", catalog.names())
def test_documented_arguments_are_the_signature(name):
    """`grader key refs --verbose` reads the catalog (no torch): it must say what the function takes."""
    parameters = [p for p in inspect.signature(catalog.resolve(name)).parameters.values() if p.name != "device"]
    real = [
        (p.name, str(p.annotation).strip("'"), catalog.REQUIRED if p.default is inspect.Parameter.empty else repr(p.default))
        for p in parameters
    ]
    assert [(arg.name, arg.type, arg.default) for arg in catalog.CATALOG[name].args] == real


@pytest.mark.parametrize("name", catalog.names())
def test_documented_example_builds(name):
    """Each one-line example is a valid `expected:` value that evaluates, select included."""
    import yaml

    from grader.key.build import resolve
    from grader.rubric.models import RefCall

    entry = catalog.CATALOG[name]
    call = RefCall.model_validate(yaml.safe_load(entry.example))
    assert call.ref == name and entry.result
    value, source = resolve(call, "cpu", name, {})
    assert source == name and value is not None
    if call.select:
        assert call.select.split(".")[0] in entry.result  # the documented fields name what select takes


def test_key_refs_verbose_and_by_name_import_no_torch():
    code = (
        "import sys\n"
        "from grader.cli import main\n"
        "try:\n"
        "    main(['key', 'refs', '--verbose'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.rstrip().endswith("NO-TORCH"), done.stdout[-500:] + done.stderr
    for name in catalog.names():
        assert f"{name}: " in done.stdout
    assert "  arguments:" in done.stdout and "  example: expected: {ref: norm.stats" in done.stdout


def test_key_refs_one_name_and_an_unknown_one():
    from support import run_grader

    one = run_grader("key", "refs", "counts.conv2d", check=True)
    assert one.stdout.startswith("counts.conv2d: conv2d layer")
    assert "    padding       int | list[int]  (default 0)" in one.stdout
    assert "    in_channels   int  (required)" in one.stdout
    assert "  result: {params: int, output_size: [H, W]" in one.stdout
    assert "norm.stats" not in one.stdout
    bad = run_grader("key", "refs", "norm.stat")
    assert bad.returncode == 1 and "did you mean 'norm.stats'?" in bad.stderr
