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
