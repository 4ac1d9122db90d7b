"""Saving and loading links and optimizers: round trips, hierarchical names, strict
validation that leaves the target unchanged, and no unpickling ever."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

import gradkit
from gradkit import optimizers
from gradkit.serializers import load_npz, save_npz, state_dict
from gradkit_ops.links import BatchNormalization, Linear


class Net(gradkit.Chain):
    def __init__(self, hidden=4):
        super().__init__()
        self.l1 = Linear(3, hidden)
        self.bn = BatchNormalization(hidden)
        self.l2 = Linear(hidden, 2)

    def forward(self, x):
        return self.l2(self.bn(self.l1(x)))


def _snapshot(link):
    return {k: np.array(v) for k, v in state_dict(link).items()}


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def _trained(seed=0):
    gradkit.initializers.seed(seed)
    net = Net()
    x = np.random.default_rng(seed).standard_normal((8, 3)).astype(np.float32)
    opt = optimizers.Adam(lr=0.01).setup(net)
    for _ in range(3):
        opt.update(lambda: (net(x) * net(x)).sum())
    return net, opt, x


def test_a_link_round_trips_through_a_file(tmp_path) -> None:
    net, _, _ = _trained()
    path = tmp_path / "model.npz"
    save_npz(path, net)
    assert sorted(np.load(path).files) == sorted(
        ["l1/W", "l1/b", "bn/gamma", "bn/beta", "bn/avg_mean", "bn/avg_var", "bn/N", "l2/W", "l2/b"]
    )
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temporary left behind
    other = Net()
    load_npz(path, other)
    _assert_same(_snapshot(other), _snapshot(net))
    assert other.bn.N == 6 and type(other.bn.N) is int


def test_loading_onto_the_strict_device_and_from_a_file_object(strict) -> None:
    net, _, x = _trained()
    buffer = io.BytesIO()
    save_npz(buffer, net, compress=True)
    other = Net().to_device("strict")
    buffer.seek(0)
    load_npz(buffer, other)
    assert all(p.device == strict for p in other.params())
    assert gradkit.get_device_from_array(other.bn.avg_var) == strict
    with gradkit.using_config("train", False):
        want = net(x).array
        got = gradkit.to_numpy(other(strict.send(x)).array)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_a_lazy_parameter_takes_its_shape_from_the_file(tmp_path) -> None:
    source = Linear(5, 3)
    save_npz(tmp_path / "l.npz", source)
    lazy = Linear(3)
    load_npz(tmp_path / "l.npz", lazy)
    np.testing.assert_array_equal(lazy.W.array, source.W.array)
    # Saving a link whose lazy parameter is still uninitialized leaves it out; loading that
    # file into another lazy link is consistent.
    save_npz(tmp_path / "lazy.npz", Linear(3))
    assert np.load(tmp_path / "lazy.npz").files == ["b"]
    fresh = Linear(3)
    load_npz(tmp_path / "lazy.npz", fresh)
    assert fresh.W.array is None


def test_arrays_are_cast_to_the_parameters_dtype(tmp_path) -> None:
    wide = Linear(2, 2, dtype=np.float64)
    save_npz(tmp_path / "w.npz", wide)
    narrow = Linear(2, 2)
    load_npz(tmp_path / "w.npz", narrow)
    assert narrow.W.dtype == np.float32
    np.testing.assert_allclose(narrow.W.array, wide.W.array, rtol=1e-7)


def test_name_mismatches_are_all_named_and_nothing_is_loaded(tmp_path) -> None:
    save_npz(tmp_path / "net.npz", Net())
    target = gradkit.Chain()
    target.l1 = Linear(3, 4)
    target.head = Linear(4, 2)
    before = _snapshot(target)
    with pytest.raises(ValueError) as info:
        load_npz(tmp_path / "net.npz", target)
    message = str(info.value)
    assert "missing from the file: head/W, head/b" in message
    assert "not in the Chain: bn/gamma" in message and "l2/W" in message
    assert "nothing was loaded" in message
    _assert_same(_snapshot(target), before)  # l1 matched, but was not loaded either


def test_shape_mismatches_are_named_with_both_shapes(tmp_path) -> None:
    save_npz(tmp_path / "net.npz", Net(hidden=4))
    target = Net(hidden=5)
    before = _snapshot(target)
    with pytest.raises(ValueError) as info:
        load_npz(tmp_path / "net.npz", target)
    message = str(info.value)
    assert "l1/W: shape (4, 3) in the file, (5, 3) in the Net" in message
    assert "bn/avg_mean: shape (4,) in the file, (5,) in the Net" in message
    assert "l2/b" not in message  # same shape
    _assert_same(_snapshot(target), before)


def test_a_float_file_cannot_fill_an_integer_persistent(tmp_path) -> None:
    net = Net()
    entries = state_dict(net)
    entries["bn/N"] = np.asarray(1.5)
    np.savez(tmp_path / "bad.npz", **entries)
    with pytest.raises(ValueError, match="bn/N: dtype float64 in the file cannot become"):
        load_npz(tmp_path / "bad.npz", Net())


class _Exploit:
    def __reduce__(self):
        return (exec, ("import builtins; builtins.GRADKIT_PWNED = True",))


def test_loading_never_unpickles(tmp_path) -> None:
    path = tmp_path / "evil.npz"
    with zipfile.ZipFile(path, "w") as zf:
        header_and_data = io.BytesIO()
        np.lib.format.write_array(
            header_and_data, np.array([_Exploit()], dtype=object), allow_pickle=True
        )
        zf.writestr("W.npy", header_and_data.getvalue())
        zf.writestr("b.npy", b"")
    assert b"GRADKIT_PWNED" in path.read_bytes()  # the payload really is in the file
    with pytest.raises(ValueError, match="never unpickles"):
        load_npz(path, Linear(2, 2))
    import builtins

    assert not hasattr(builtins, "GRADKIT_PWNED")


def test_files_that_are_not_npz_are_rejected(tmp_path) -> None:
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(ValueError, match=r"single \.npy array"):
        load_npz(tmp_path / "one.npy", Linear(2, 2))
    (tmp_path / "junk.npz").write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="cannot read"):
        load_npz(tmp_path / "junk.npz", Linear(2, 2))
    with pytest.raises(TypeError, match="Link or an Optimizer"):
        load_npz(tmp_path / "one.npy", object())
    with pytest.raises(TypeError, match="Link or an Optimizer"):
        state_dict(object())


def test_an_optimizer_round_trip_resumes_training_exactly(tmp_path) -> None:
    net, opt, x = _trained()
    save_npz(tmp_path / "net.npz", net)
    save_npz(tmp_path / "opt.npz", opt)
    files = np.load(tmp_path / "opt.npz").files
    assert {"t", "epoch", "l1/W/t", "l1/W/m", "l1/W/v", "bn/gamma/v"} <= set(files)

    resumed = Net()
    load_npz(tmp_path / "net.npz", resumed)
    resumed_opt = optimizers.Adam(lr=0.01).setup(resumed)
    load_npz(tmp_path / "opt.npz", resumed_opt)
    assert resumed_opt.t == 3 and resumed.l1.W.update_rule.t == 3
    for model, o in ((net, opt), (resumed, resumed_opt)):
        o.update(lambda model=model: (model(x) * model(x)).sum())
    _assert_same(_snapshot(resumed), _snapshot(net))


def test_optimizer_state_on_the_strict_device(tmp_path, strict) -> None:
    net, opt, _ = _trained()
    save_npz(tmp_path / "opt.npz", opt)
    target = Net().to_device("strict")
    target_opt = optimizers.Adam().setup(target)
    load_npz(tmp_path / "opt.npz", target_opt)
    state = target.l2.W.update_rule.state
    assert gradkit.get_device_from_array(state["m"]) == strict
    np.testing.assert_array_equal(gradkit.to_numpy(state["v"]), net.l2.W.update_rule.state["v"])


def test_optimizer_mismatches_are_named_and_nothing_is_loaded(tmp_path) -> None:
    net, _, x = _trained()
    sgd = optimizers.MomentumSGD().setup(net)
    sgd.update(lambda: net(x).sum())
    save_npz(tmp_path / "sgd.npz", sgd)
    adam = optimizers.Adam().setup(Net())
    with pytest.raises(ValueError) as info:
        load_npz(tmp_path / "sgd.npz", adam)
    message = str(info.value)  # both keep a "v"; only Adam keeps an "m"
    assert "missing from the file: l1/W/m, l1/b/m, bn/gamma/m" in message
    assert "l1/W/v" not in message
    assert adam.t == 0 and adam.target.l1.W.update_rule.state is None
    net_adam = optimizers.Adam().setup(net)
    net_adam.update(lambda: net(x).sum())
    save_npz(tmp_path / "adam.npz", net_adam)
    momentum = optimizers.MomentumSGD().setup(Net())
    with pytest.raises(ValueError, match="not in the MomentumSGD: l1/W/m, l1/b/m"):
        load_npz(tmp_path / "adam.npz", momentum)
    with pytest.raises(ValueError, match="no target"):
        save_npz(tmp_path / "x.npz", optimizers.SGD())


def test_rules_saved_before_their_first_update_start_afresh(tmp_path) -> None:
    opt = optimizers.Adam().setup(Net())
    save_npz(tmp_path / "fresh.npz", opt)
    assert "l1/W/m" not in np.load(tmp_path / "fresh.npz").files
    net, trained, _ = _trained()
    load_npz(tmp_path / "fresh.npz", trained)
    assert trained.t == 0 and net.l1.W.update_rule.state is None
    assert net.l1.W.update_rule.t == 0


def test_a_lazy_batch_normalization_takes_everything_from_the_file(tmp_path) -> None:
    source = BatchNormalization(3)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    source(x)
    save_npz(tmp_path / "bn.npz", source)
    lazy = BatchNormalization()
    assert lazy.avg_mean is None and lazy.gamma.array is None
    load_npz(tmp_path / "bn.npz", lazy)
    np.testing.assert_array_equal(lazy.avg_var, source.avg_var)
    assert lazy.N == 1
    with gradkit.using_config("train", False):
        np.testing.assert_array_equal(lazy(x).array, source(x).array)
