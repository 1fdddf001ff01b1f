"""The ready-made networks."""

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


@pytest.mark.parametrize("input_shape, n_features", [(None, 784), ((16, 16), 256), ((3, 32, 32), 3072)])
def test_lenet5_accepts_flat_rows(input_shape, n_features):
    net = LeNet5(n_features=n_features, n_outputs=10, input_shape=input_shape)
    assert net(torch.zeros(2, n_features)).shape == (2, 10)


def test_lenet5_shape_errors():
    with pytest.raises(ValueError, match="not a square"):
        LeNet5(n_features=10)
    with pytest.raises(ValueError, match="has 256 values but rows have 300"):
        LeNet5(n_features=300, input_shape=(16, 16))
