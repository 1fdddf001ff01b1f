"""The ready-made networks."""

import numpy as np
import pytest
import torch

from imbnn.networks import LeNet5, LinearNet, MLP


def test_linear_net_is_an_affine_map():
    torch.manual_seed(0)
    net = LinearNet(n_features=3, n_outputs=2)
    X = torch.randn(5, 3)
    expected = X @ net.linear.weight.T + net.linear.bias
    torch.testing.assert_close(net(X), expected)


def test_mlp_layers_and_dropout():
    net = MLP(n_features=4, n_outputs=3, hidden_layer_sizes=(8, 6), dropout=0.5)
    widths = [(m.in_features, m.out_features) for m in net.layers if isinstance(m, torch.nn.Linear)]
    assert widths == [(4, 8), (8, 6), (6, 3)]
    assert sum(isinstance(m, torch.nn.Dropout) for m in net.layers) == 2
    net.eval()
    X = torch.randn(10, 4)
    torch.testing.assert_close(net(X), net(X))  # dropout off in eval mode
    assert len(MLP(n_features=4, hidden_layer_sizes=()).layers) == 1  # linear model


@pytest.mark.parametrize(
    "input_shape, n_features", [(None, 784), ((16, 16), 256), ((3, 32, 32), 3072)]
)
def test_lenet5_accepts_flat_rows(input_shape, n_features):
    net = LeNet5(n_features=n_features, n_outputs=10, input_shape=input_shape)
    assert net(torch.zeros(2, n_features)).shape == (2, 10)


def test_lenet5_shape_errors():
    with pytest.raises(ValueError, match="not a square"):
        LeNet5(n_features=10)
    with pytest.raises(ValueError, match="has 256 values but rows have 300"):
        LeNet5(n_features=300, input_shape=(16, 16))


def test_cosine_linear_is_the_cosine_similarity():
    from sklearn.metrics.pairwise import cosine_similarity

    from imbnn.networks import CosineLinear

    torch.manual_seed(0)
    layer = CosineLinear(5, 3)
    X = torch.randn(7, 5)
    expected = cosine_similarity(X.numpy(), layer.weight.detach().numpy())
    np.testing.assert_allclose(layer(X).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    # scale-free in both the rows and the weights
    torch.testing.assert_close(layer(10 * X), layer(X))


@pytest.mark.parametrize(
    "network, kwargs",
    [(MLP, {"n_features": 784, "hidden_layer_sizes": (8,)}), (LeNet5, {"n_features": 784})],
)
def test_cosine_head_bounds_the_scores(network, kwargs):
    from imbnn.networks import CosineLinear

    net = network(n_outputs=2, head="cosine", **kwargs)
    assert isinstance(list(net.modules())[-1], CosineLinear)
    scores = net(100 * torch.randn(4, 784))
    assert scores.shape == (4, 2) and scores.abs().max() <= 1 + 1e-6
    with pytest.raises(ValueError, match="head must be one of"):
        network(n_outputs=2, head="cosin", **kwargs)


def test_estimator_trains_ldam_on_a_cosine_head():
    from sklearn.datasets import make_classification

    from imbnn.estimators import NetClassifier

    X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    clf = NetClassifier(
        loss="ldam", module__head="cosine", max_epochs=60, validation_fraction=0, random_state=0
    ).fit(X.astype(np.float32), y)
    scores = clf.decision_function(X)
    assert np.abs(scores).max() <= 1 + 1e-6
    # LDAM's scale of 30 on bounded cosines learns the task (BCE on logits: 0.945)
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(y, scores) > 0.9


def test_smooth_clip_matches_its_formula_and_is_bounded():
    from imbnn.networks import smooth_clip

    values = np.array([-1e8, -7.5, -3.0, -0.1, 0.0, 0.2, 3.0, 40.0])
    expected = values / np.sqrt(1 + (values / 2.5) ** 2)
    got = smooth_clip(torch.tensor(values), 2.5).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert np.all(np.abs(got) < 2.5)
    # nearly the identity on small values: standardised features pass unchanged
    np.testing.assert_allclose(smooth_clip(torch.tensor([1e-3]), 3.0).numpy(), [1e-3], rtol=1e-6)


def _effective(embedding, name):
    return (embedding.lr_factor * getattr(embedding, name)).detach().double().numpy()


def test_periodic_embedding_against_a_loop_over_features():
    from imbnn.networks import PeriodicEmbedding

    torch.manual_seed(0)
    embedding = PeriodicEmbedding(n_features=3, n_frequencies=4, n_embedding=2, sigma=0.5).double()
    X = torch.randn(6, 3, dtype=torch.float64)
    w, b = _effective(embedding, "frequencies"), _effective(embedding, "phases")
    A, c = _effective(embedding, "weight"), _effective(embedding, "bias")
    expected = []
    for row in X.numpy():
        parts = []
        for j, x in enumerate(row):
            periodic = np.cos(2 * np.pi * w[j] * x + b[j])  # (n_frequencies,)
            parts += list(periodic @ A[j] + c[j]) + [x]
        expected.append(parts)
    got = embedding(X).detach().numpy()
    assert got.shape == (6, embedding.out_features) == (6, 9)
    np.testing.assert_allclose(got, np.array(expected), rtol=1e-10, atol=1e-12)


def test_periodic_embedding_initial_frequencies_have_the_given_spread():
    from imbnn.networks import PeriodicEmbedding

    torch.manual_seed(0)
    embedding = PeriodicEmbedding(n_features=200, n_frequencies=50, sigma=0.1)
    frequencies, phases = _effective(embedding, "frequencies"), _effective(embedding, "phases")
    assert abs(frequencies.std() - 0.1) < 0.005
    assert phases.min() >= -np.pi and phases.max() <= np.pi and phases.std() > 1.7


@pytest.mark.parametrize("lr_factor", [0.1, 0.5])
def test_periodic_embedding_moves_lr_factor_times_as_fast_under_adam(lr_factor):
    from imbnn.networks import PeriodicEmbedding

    torch.manual_seed(0)
    embedding = PeriodicEmbedding(n_features=3, lr_factor=lr_factor)
    before = {name: _effective(embedding, name) for name in ("frequencies", "weight")}
    lr = 1e-3
    optimizer = torch.optim.Adam(embedding.parameters(), lr=lr)
    embedding(torch.randn(32, 3)).pow(2).sum().backward()
    optimizer.step()
    for name, old in before.items():
        moved = np.abs(_effective(embedding, name) - old)
        # Adam's first step moves every parameter with a gradient by lr (up to eps)
        np.testing.assert_allclose(moved, lr_factor * lr, rtol=1e-3)


def test_mlp_clip_and_embedding():
    from imbnn.networks import PeriodicEmbedding, smooth_clip

    torch.manual_seed(0)
    net = MLP(n_features=4, hidden_layer_sizes=(8,), clip=3.0, embedding="periodic")
    assert isinstance(net.layers[0], PeriodicEmbedding)
    assert net.layers[1].in_features == 16
    X = 100 * torch.randn(5, 4)
    torch.testing.assert_close(net(X), net.layers(smooth_clip(X, 3.0)))
    for clip in (0, -1.0, "3"):
        with pytest.raises(ValueError, match="clip must be a positive number"):
            MLP(n_features=4, clip=clip)
    with pytest.raises(ValueError, match='embedding must be None or "periodic"'):
        MLP(n_features=4, embedding="pbld")


def test_estimator_with_an_embedded_network_is_repeatable():
    from sklearn.datasets import make_classification

    from imbnn import NetClassifier

    X, y = make_classification(300, n_features=5, weights=[0.9], random_state=0)
    X = X.astype(np.float32)
    params = dict(module__clip=3.0, module__embedding="periodic", max_epochs=3, random_state=0)
    first = NetClassifier(**params).fit(X, y).predict_proba(X)
    second = NetClassifier(**params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    plain = NetClassifier(max_epochs=3, random_state=0).fit(X, y).predict_proba(X)
    assert not np.allclose(first, plain)
