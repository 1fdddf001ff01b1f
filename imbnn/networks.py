"""Ready-made networks for tabular rows and flat image rows.

Each takes ``n_features`` (input width) and ``n_outputs`` (1 for a binary task,
the number of classes otherwise), which imbnn's estimators fill in from the data.
"""

import math
from numbers import Real

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["CosineLinear", "LinearNet", "MLP", "LeNet5", "PeriodicEmbedding", "smooth_clip"]


class CosineLinear(nn.Module):
    """Cosine similarity between each row and each output's weight vector, in [-1, 1].

    The normalised last layer of Cao et al.'s LDAM networks (NeurIPS 2019), which
    Sangalli et al. (NeurIPS 2021) also used with LDAM: the scores are bounded,
    and :class:`~imbnn.losses.LDAMLoss` multiplies them by its ``scale`` (30).
    Select it in :class:`MLP` and :class:`LeNet5` with ``head="cosine"`` (in an
    estimator: ``module__head="cosine"``).

    Parameters
    ----------
    in_features : int
    out_features : int

    Examples
    --------
    >>> import torch
    >>> from imbnn.networks import CosineLinear
    >>> layer = CosineLinear(3, 2)
    >>> bool(layer(torch.randn(5, 3)).abs().max() <= 1)
    True
    """

    def __init__(self, in_features, out_features):
        super().__init__()
        # Cao et al.'s NormedLinear starts from uniform(-1, 1) weights; only directions matter.
        self.weight = nn.Parameter(torch.empty(out_features, in_features).uniform_(-1, 1))

    def forward(self, X):
        """Cosine similarities of a batch.

        Parameters
        ----------
        X : torch.Tensor of shape (n, in_features)

        Returns
        -------
        torch.Tensor of shape (n, out_features)
        """
        return F.normalize(X, dim=1) @ F.normalize(self.weight, dim=1).T


_HEADS = {"linear": nn.Linear, "cosine": CosineLinear}


def _output_layer(head, in_features, out_features):
    if head not in _HEADS:
        raise ValueError(f"head must be one of {sorted(_HEADS)}; got {head!r}.")
    return _HEADS[head](in_features, out_features)


def smooth_clip(X, bound=3.0):
    """Squash values smoothly into ``(-bound, bound)``: ``X / sqrt(1 + (X / bound)**2)``.

    RealMLP's input clipping (Holzmüller, Grinsztajn and Steinwart, NeurIPS 2024):
    about the identity for ``|X|`` well below ``bound``, so standardised features
    pass nearly unchanged while outliers no longer dominate the first layer.

    Parameters
    ----------
    X : torch.Tensor
    bound : float, default=3.0

    Returns
    -------
    torch.Tensor of the shape of ``X``

    Examples
    --------
    >>> import torch
    >>> from imbnn.networks import smooth_clip
    >>> smooth_clip(torch.tensor([0.0, 3.0, 1e6])).round(decimals=3)
    tensor([0.0000, 2.1210, 3.0000])
    """
    return X * torch.rsqrt(1 + (X / bound) ** 2)


class PeriodicEmbedding(nn.Module):
    """Each numerical feature embedded by periodic functions of it, and kept as it is.

    RealMLP's default numerical embedding ("PBLD", Holzmüller et al., NeurIPS 2024),
    a variant of the periodic embeddings of Gorishniy, Rubachev and Babenko (NeurIPS
    2022): feature ``j`` of a row becomes ``n_frequencies`` values
    ``cos(2 pi w_jk x_j + b_jk)``, mapped linearly (per feature) to
    ``n_embedding`` values, followed by ``x_j`` itself. The frequencies are drawn
    from a normal of standard deviation ``sigma`` and the phases uniformly on
    (-pi, pi). A network can then draw the sharp, feature-wise thresholds that
    trees find easily.

    Parameters
    ----------
    n_features : int
    n_frequencies : int, default=16
    n_embedding : int, default=3
        Values per feature from the periodic part; the output has
        ``n_features * (n_embedding + 1)`` columns.
    sigma : float, default=0.1
        Standard deviation of the initial frequencies (for standardised inputs).
    lr_factor : float, default=0.1
        The embedding's parameters move ``lr_factor`` times as fast as the rest of the
        network under Adam (RealMLP trains them at a tenth of the learning rate).

    Examples
    --------
    >>> import torch
    >>> from imbnn.networks import PeriodicEmbedding
    >>> PeriodicEmbedding(n_features=5)(torch.zeros(2, 5)).shape
    torch.Size([2, 20])
    """

    def __init__(self, n_features, n_frequencies=16, n_embedding=3, sigma=0.1, lr_factor=0.1):
        super().__init__()
        if lr_factor <= 0:
            raise ValueError(f"lr_factor must be positive; got {lr_factor!r}.")
        self.lr_factor = lr_factor
        self.out_features = n_features * (n_embedding + 1)
        # Parameters are stored divided by lr_factor and multiplied back in forward:
        # Adam's steps do not depend on a parameter's scale, so the effective weights
        # then move lr_factor times as far per step, a per-layer learning rate without
        # a separate optimiser parameter group.
        bound = 1 / math.sqrt(n_frequencies)  # nn.Linear's initialisation, per feature
        stored = {
            "frequencies": sigma * torch.randn(n_features, n_frequencies),
            "phases": math.pi * (2 * torch.rand(n_features, n_frequencies) - 1),
            "weight": bound * (2 * torch.rand(n_features, n_frequencies, n_embedding) - 1),
            "bias": bound * (2 * torch.rand(n_features, n_embedding) - 1),
        }
        for name, value in stored.items():
            self.register_parameter(name, nn.Parameter(value / lr_factor))

    def forward(self, X):
        """Embeddings of a batch.

        Parameters
        ----------
        X : torch.Tensor of shape (n, n_features)

        Returns
        -------
        torch.Tensor of shape (n, n_features * (n_embedding + 1))
        """
        factor = self.lr_factor
        angles = (2 * math.pi * factor) * X.unsqueeze(-1) * self.frequencies + factor * self.phases
        periodic = torch.einsum("nfk,fke->nfe", torch.cos(angles), factor * self.weight)
        embedded = torch.cat([periodic + factor * self.bias, X.unsqueeze(-1)], dim=-1)
        return embedded.flatten(1)


class LinearNet(nn.Module):
    """A linear model: one fully connected layer from features to scores.

    Parameters
    ----------
    n_features : int
        Width of the input rows.
    n_outputs : int, default=1
        1 for a binary task (one score per row), else the number of classes.

    Examples
    --------
    >>> import torch
    >>> from imbnn.networks import LinearNet
    >>> LinearNet(n_features=3, n_outputs=1)(torch.zeros(2, 3)).shape
    torch.Size([2, 1])
    """

    def __init__(self, n_features, n_outputs=1):
        super().__init__()
        self.linear = nn.Linear(n_features, n_outputs)

    def forward(self, X):
        """Scores of a batch.

        Parameters
        ----------
        X : torch.Tensor of shape (n, n_features)

        Returns
        -------
        torch.Tensor of shape (n, n_outputs)
        """
        return self.linear(X)


class MLP(nn.Module):
    """A multi-layer perceptron with ReLU activations and optional dropout.

    Parameters
    ----------
    n_features : int
    n_outputs : int, default=1
    hidden_layer_sizes : tuple of int, default=(100,)
        Width of each hidden layer, as in scikit-learn's ``MLPClassifier``;
        ``()`` gives a linear model.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.
    head : {"linear", "cosine"}, default="linear"
        The output layer: an ordinary linear layer (logits), or
        :class:`CosineLinear` (cosine similarities, for ``loss="ldam"``).
    clip : float or None, default=None
        Squash every input into ``(-clip, clip)`` with :func:`smooth_clip` before
        the first layer (RealMLP uses 3 on robustly scaled features).
    embedding : {None, "periodic"}, default=None
        ``"periodic"`` embeds every (clipped) input with :class:`PeriodicEmbedding`
        at its defaults, four values per feature.

    Examples
    --------
    >>> import torch
    >>> from imbnn.networks import MLP
    >>> MLP(n_features=4, n_outputs=3, hidden_layer_sizes=(8, 8))(torch.zeros(5, 4)).shape
    torch.Size([5, 3])
    """

    def __init__(
        self,
        n_features,
        n_outputs=1,
        hidden_layer_sizes=(100,),
        dropout=0.0,
        head="linear",
        clip=None,
        embedding=None,
    ):
        super().__init__()
        if clip is not None and not (isinstance(clip, Real) and clip > 0):
            raise ValueError(f"clip must be a positive number or None; got {clip!r}.")
        if embedding not in (None, "periodic"):
            raise ValueError(f'embedding must be None or "periodic"; got {embedding!r}.')
        self.clip = clip
        layers = []
        width = n_features
        if embedding == "periodic":
            layers.append(PeriodicEmbedding(n_features))
            width = layers[-1].out_features
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, size), nn.ReLU()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(_output_layer(head, width, n_outputs))
        self.layers = nn.Sequential(*layers)

    def forward(self, X):
        """Scores of a batch.

        Parameters
        ----------
        X : torch.Tensor of shape (n, n_features)

        Returns
        -------
        torch.Tensor of shape (n, n_outputs)
        """
        if self.clip is not None:
            X = smooth_clip(X, self.clip)
        return self.layers(X)


class LeNet5(nn.Module):
    """LeNet-5 convolutional network for images given as flat rows.

    Parameters
    ----------
    n_features : int
        Row width; must equal the product of ``input_shape``.
    n_outputs : int, default=1
    input_shape : tuple of int or None, default=None
        ``(height, width)`` or ``(channels, height, width)``. ``None`` assumes
        one square channel of side ``sqrt(n_features)`` (28 x 28 for MNIST rows).
    head : {"linear", "cosine"}, default="linear"
        The output layer, as in :class:`MLP`.

    Examples
    --------
    >>> import torch
    >>> from imbnn.networks import LeNet5
    >>> LeNet5(n_features=784, n_outputs=10)(torch.zeros(2, 784)).shape
    torch.Size([2, 10])
    """

    def __init__(self, n_features, n_outputs=1, input_shape=None, head="linear"):
        super().__init__()
        if input_shape is None:
            side = math.isqrt(n_features)
            if side * side != n_features:
                raise ValueError(
                    f"LeNet5 needs input_shape for {n_features} features, which is not a "
                    "square number of pixels."
                )
            input_shape = (side, side)
        input_shape = tuple(input_shape)
        if len(input_shape) == 2:
            input_shape = (1,) + input_shape
        if math.prod(input_shape) != n_features:
            raise ValueError(
                f"input_shape {input_shape} has {math.prod(input_shape)} values but rows "
                f"have {n_features} features."
            )
        self.input_shape = input_shape
        channels, height, width = input_shape
        self.features = nn.Sequential(
            nn.Conv2d(channels, 6, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, kernel_size=5),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        with torch.no_grad():
            flat = self.features(torch.zeros(1, *input_shape)).numel()
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(flat, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            _output_layer(head, 84, n_outputs),
        )

    def forward(self, X):
        """Scores of a batch.

        Parameters
        ----------
        X : torch.Tensor of shape (n, n_features)

        Returns
        -------
        torch.Tensor of shape (n, n_outputs)
        """
        return self.classifier(self.features(X.reshape(X.shape[0], *self.input_shape)))
