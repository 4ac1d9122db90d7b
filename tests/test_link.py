"""Link, Chain and ChainList: registration, hierarchical names, gradients, devices, copies,
and train/eval through the configuration."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit import Chain, ChainList, Link, Parameter


class Affine(Link):
    def __init__(self, n_in=3, n_out=2):
        super().__init__()
        self.W = Parameter(np.arange(n_in * n_out, dtype=np.float32).reshape(n_out, n_in))
        self.b = Parameter(0.0, shape=(n_out,))

    def forward(self, x):
        return x @ self.W.T + self.b


class Counter(Link):
    """A link with persistent values of each kind, and a train/eval switch."""

    def __init__(self):
        super().__init__()
        self.add_persistent("total", np.zeros(2, dtype=np.float32))
        self.add_persistent("count", 0)

    def forward(self, x):
        if gradkit.config.train:
            self.total = self.total + x.xp.sum(x.array, axis=0)
            self.count += 1
        return x


class Net(Chain):
    def __init__(self):
        super().__init__()
        self.enc = Affine(3, 2)
        self.stats = Counter()
        self.dec = Affine(2, 1)

    def forward(self, x):
        return self.dec(self.stats(self.enc(x)))


def test_parameters_register_by_assignment_in_order() -> None:
    link = Affine()
    assert [name for name, _ in link.namedparams()] == ["/W", "/b"]
    assert link.W.name == "W" and link.b.name == "b"
    assert [id(p) for p in link.params()] == [id(link.W), id(link.b)]


def test_reassigning_or_deleting_unregisters() -> None:
    link = Affine()
    link.b = None
    assert [name for name, _ in link.namedparams()] == ["/W"]
    link.b = Parameter(np.ones(2, dtype=np.float32))
    assert [name for name, _ in link.namedparams()] == ["/W", "/b"]
    del link.W
    assert [name for name, _ in link.namedparams()] == ["/b"]
    assert not hasattr(link, "W")


def test_a_named_parameter_keeps_its_name() -> None:
    link = Link()
    link.W = Parameter(np.ones(2), name="weight")
    assert link.W.name == "weight"
    assert [name for name, _ in link.namedparams()] == ["/W"]


def test_chain_names_are_hierarchical_and_stable() -> None:
    net = Net()
    names = [name for name, _ in net.namedparams()]
    assert names == ["/enc/W", "/enc/b", "/dec/W", "/dec/b"]
    assert [name for name, _ in net.namedlinks()] == ["/", "/enc", "/stats", "/dec"]
    assert [name for name, _ in net.namedlinks(skipself=True)] == ["/enc", "/stats", "/dec"]
    assert [type(c).__name__ for c in net.children()] == ["Affine", "Counter", "Affine"]
    assert [name for name, _ in net.namedpersistents()] == ["/stats/total", "/stats/count"]
    assert net.count_params() == 6 + 2 + 2 + 1


def test_nested_chains_and_chain_lists() -> None:
    outer = Chain()
    outer.blocks = ChainList(Affine(), Affine())
    outer.blocks.append(Affine())
    outer.head = Affine(2, 1)
    names = [name for name, _ in outer.namedparams()]
    assert names[:4] == ["/blocks/0/W", "/blocks/0/b", "/blocks/1/W", "/blocks/1/b"]
    assert names[-2:] == ["/head/W", "/head/b"]
    assert len(outer.blocks) == 3
    assert outer.blocks[-1] is list(outer.blocks)[2]


def test_a_shared_parameter_or_link_is_listed_once() -> None:
    net = Chain()
    net.a = Affine()
    net.b = Link()
    net.b.W = net.a.W
    net.c = net.a
    assert [name for name, _ in net.namedparams()] == ["/a/W", "/a/b"]
    assert len(list(net.links())) == 3


def test_replacing_a_child_unregisters_the_old_one() -> None:
    net = Net()
    net.enc = None
    assert [name for name, _ in net.namedparams()] == ["/dec/W", "/dec/b"]
    del net.dec
    assert list(net.namedparams()) == []


def test_a_plain_link_refuses_child_links() -> None:
    link = Link()
    with pytest.raises(TypeError, match=r"derive the class from gradkit\.Chain"):
        link.child = Affine()


def test_a_chain_cannot_contain_itself() -> None:
    chain = Chain()
    with pytest.raises(ValueError, match="own child"):
        chain.me = chain
    layers = ChainList()
    with pytest.raises(ValueError, match="itself"):
        layers.append(layers)
    with pytest.raises(TypeError, match="holds Links"):
        ChainList().append(lambda x: x)


def test_assigning_before_super_init_is_explained() -> None:
    class Broken(Link):
        def __init__(self):
            self.W = Parameter(np.ones(2))

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_add_param_and_add_persistent() -> None:
    link = Link()
    W = link.add_param("W", (2, 3), initializer=0.5)
    assert W is link.W and W.shape == (2, 3) and float(W.array[0, 0]) == 0.5
    lazy = link.add_param("v")
    assert lazy.array is None
    assert [name for name, _ in link.namedparams(include_uninit=False)] == ["/W"]
    with pytest.raises(AttributeError, match="already has"):
        link.add_param("W")
    link.add_persistent("steps", 3)
    link.steps = 4  # stays registered
    assert list(link.namedpersistents()) == [("/steps", 4)]
    with pytest.raises(TypeError, match="persistent value"):
        link.add_persistent("bad", "text")
    del link.steps
    assert list(link.namedpersistents()) == []


def test_cleargrads_clears_every_gradient() -> None:
    net = Net()
    y = net(gradkit.Variable(np.ones((4, 3), dtype=np.float32)))
    y.grad = np.ones_like(y.array)
    y.backward()
    assert all(p.grad is not None for p in net.params())
    net.cleargrads()
    assert all(p.grad is None for p in net.params())


def test_train_and_eval_through_the_configuration() -> None:
    net = Net()
    x = gradkit.Variable(np.ones((4, 3), dtype=np.float32))
    net(x)
    assert net.stats.count == 1
    with gradkit.using_config("train", False):
        net(x)
    assert net.stats.count == 1
    np.testing.assert_allclose(net.stats.total, [12.0, 48.0])


def test_to_device_moves_parameters_persistents_and_lazy_parameters(strict) -> None:
    net = Net()
    net.enc.lazy = Parameter(1.0)
    assert net.to_device("strict") is net
    assert net.device == strict and net.enc.device == strict
    assert all(p.device == strict for p in net.params(include_uninit=False))
    assert gradkit.get_device_from_array(net.stats.total) == strict
    assert net.stats.count == 0
    net.enc.lazy.initialize((2,))
    assert net.enc.lazy.device == strict
    x = gradkit.Variable(strict.send(np.ones((4, 3), dtype=np.float32)))
    y = net(x)
    assert y.device == strict
    net.to_device("cpu")
    assert all(isinstance(p.array, np.ndarray) for p in net.params())
    assert net.xp is np


def test_children_and_parameters_follow_the_parent_device(strict) -> None:
    net = Chain().to_device("strict")
    net.child = Affine()
    assert net.child.W.device == strict
    leaf = Link().to_device("strict")
    leaf.W = Parameter(np.ones(2))
    assert leaf.W.device == strict
    layers = ChainList().to_device("strict")
    layers.append(Affine())
    assert layers[0].b.device == strict


def test_copy_shares_arrays_but_not_parameters() -> None:
    net = Net()
    x = gradkit.Variable(np.ones((1, 3), dtype=np.float32))
    net(x)
    twin = net.copy()
    assert type(twin) is Net and twin is not net and twin.enc is not net.enc
    for (name, p), (name2, q) in zip(net.namedparams(), twin.namedparams(), strict=True):
        assert name == name2 and p is not q and q.array is p.array
        assert q.update_rule is None and q.grad is None
    # Persistent arrays are copied, scalars carried over.
    assert twin.stats.total is not net.stats.total and twin.stats.count == 1
    np.testing.assert_array_equal(twin.stats.total, net.stats.total)
    net.enc.W.array[0, 0] = 100.0
    assert twin.enc.W.array[0, 0] == 100.0
    # A copy is trained independently of the original's gradients.
    y = twin(x)
    y.grad = np.ones_like(y.array)
    y.backward()
    assert twin.enc.W.grad is not None and net.enc.W.grad is None


def test_copy_mode_copy_copies_arrays_and_keeps_sharing_inside() -> None:
    net = Chain()
    net.a = Affine()
    net.b = net.a  # the same link twice: the copy keeps it shared
    twin = net.copy(mode="copy")
    assert twin.a is twin.b and twin.a is not net.a
    assert twin.a.W.array is not net.a.W.array
    np.testing.assert_array_equal(twin.a.W.array, net.a.W.array)
    net.a.W.array[...] = 0
    assert twin.a.W.array.any()
    with pytest.raises(ValueError, match="copy mode"):
        net.copy(mode="deep")


def test_copy_of_a_lazy_parameter_stays_lazy() -> None:
    link = Link()
    link.v = Parameter(2.0)
    twin = link.copy(mode="copy")
    assert twin.v.array is None and twin.v is not link.v
    twin.v.initialize((3,))
    np.testing.assert_array_equal(twin.v.array, [2.0, 2.0, 2.0])
    assert link.v.array is None


def test_calling_a_link_calls_forward() -> None:
    with pytest.raises(NotImplementedError, match="Link does not define forward"):
        Link()(1)
    assert Affine()(np.ones((1, 3), dtype=np.float32)).shape == (1, 2)


def test_repr_shows_the_tree() -> None:
    net = Chain()
    net.blocks = ChainList(Link())
    net.head = Link()
    assert repr(net) == (
        "Chain(\n  (blocks): ChainList(\n    (0): Link()\n  )\n  (head): Link()\n)"
    )


def test_cleargrads_sees_parameters_registered_after_an_earlier_call() -> None:
    net = Net()
    net.cleargrads()  # the list of parameters is cached here...
    net.extra = Affine()  # ...and must follow this change
    net.extra.W.grad = np.ones((2, 3), dtype=np.float32)
    net.cleargrads()
    assert net.extra.W.grad is None
    del net.extra
    net.dec.b = Parameter(np.zeros(1, dtype=np.float32))
    net.dec.b.grad = np.ones(1, dtype=np.float32)
    net.cleargrads()
    assert net.dec.b.grad is None
