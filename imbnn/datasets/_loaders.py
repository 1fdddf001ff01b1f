"""Loaders of the real data sets: image digits/clothes, UCI sets, imbalanced-learn's collection."""

import gzip
import struct

import numpy as np
from sklearn.utils import Bunch

from ._fetch import fetch_file
from ._files import FILES

__all__ = [
    "load_mnist",
    "load_fashion_mnist",
    "load_usps",
    "load_image_segmentation",
    "load_landsat",
    "load_optdigits",
    "load_ozone",
    "load_coil2000",
    "load_imbalanced_learn",
    "IMBALANCED_LEARN_DATASETS",
]

_SUBSETS = ("train", "test", "all")


def _check_subset(subset):
    if subset not in _SUBSETS:
        raise ValueError(f"subset must be one of {_SUBSETS}; got {subset!r}.")


def _path(name, data_home, download_if_missing):
    return fetch_file(FILES[name], data_home=data_home, download_if_missing=download_if_missing)


def _combine(parts, subset):
    """Stack the train/test parts asked for; each part is ``(X, y)``."""
    names = ["train", "test"] if subset == "all" else [subset]
    X = np.concatenate([parts[name][0] for name in names])
    y = np.concatenate([parts[name][1] for name in names])
    original_split = np.concatenate([np.full(len(parts[name][1]), name) for name in names])
    return X, y, original_split


def _finish(X, y, return_X_y, **fields):
    if return_X_y:
        return X, y
    return Bunch(data=X, target=y, **fields)


# ---------------------------------------------------------------------------- idx images


def _read_idx(path):
    """An idx file (the MNIST format): big-endian magic, dimensions, then uint8 values."""
    with gzip.open(path, "rb") as stream:
        raw = stream.read()
    (magic,) = struct.unpack(">I", raw[:4])
    n_dims = magic & 0xFF
    if magic >> 8 != 0x08 or n_dims not in (1, 3):
        raise ValueError(f"{path} is not an idx file of unsigned bytes (magic {magic}).")
    shape = struct.unpack(f">{n_dims}I", raw[4 : 4 + 4 * n_dims])
    values = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * n_dims)
    if values.size != np.prod(shape):
        raise ValueError(f"{path} holds {values.size} values, its header says {shape}.")
    return values.reshape(shape)


def _load_idx_set(folder, subset, data_home, download_if_missing):
    _check_subset(subset)
    parts = {}
    for part, prefix in (("train", "train"), ("test", "t10k")):
        if subset not in (part, "all"):
            continue
        images = _read_idx(
            _path(f"{folder}/{prefix}-images-idx3-ubyte.gz", data_home, download_if_missing)
        )
        labels = _read_idx(
            _path(f"{folder}/{prefix}-labels-idx1-ubyte.gz", data_home, download_if_missing)
        )
        parts[part] = (images.reshape(len(images), -1), labels.astype(np.int64))
    X, y, original_split = _combine(parts, subset)
    # Pixels scaled to [0, 1] as torchvision's ToTensor does: gradient steps then
    # have the same scale whatever the data set.
    return X.astype(np.float32) / np.float32(255), y, original_split


_MNIST_DESCR = """MNIST handwritten digits
========================

70,000 grey-scale 28 x 28 images of the digits 0-9 (60,000 train, 10,000 test),
as rows of 784 pixels scaled to [0, 1].

Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. Gradient-based learning applied to
document recognition. Proc. IEEE 86(11), 1998. Files of "THE MNIST DATABASE of
handwritten digits" (LeCun, Cortes, Burges), byte-identical to the published ones.
"""

_FASHION_DESCR = """Fashion-MNIST
=============

70,000 grey-scale 28 x 28 images of 10 kinds of clothing (60,000 train, 10,000
test, 10% of each class), as rows of 784 pixels scaled to [0, 1].

Han Xiao, Kashif Rasul, Roland Vollgraf. Fashion-MNIST: a Novel Image Dataset for
Benchmarking Machine Learning Algorithms. arXiv:1708.07747, 2017. MIT license,
Zalando SE.
"""

_FASHION_CLASSES = np.array(
    [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]
)

_LOADER_PARAMETERS = """
    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        The published training part, the test part, or both (train rows first).
    data_home : str or path-like, default=None
        Folder of the data files; see :func:`~imbnn.datasets.get_data_home`.
    download_if_missing : bool, default=True
        Download a missing file from its public source (checking its sha256);
        with False, or without network, a missing file raises ``FileNotFoundError``
        naming the file and where to put it.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.
"""


def load_mnist(*, subset="train", data_home=None, download_if_missing=True, return_X_y=False):
    return _load_images(
        "mnist",
        _MNIST_DESCR,
        np.arange(10).astype(str),
        subset,
        data_home,
        download_if_missing,
        return_X_y,
    )


def load_fashion_mnist(
    *, subset="train", data_home=None, download_if_missing=True, return_X_y=False
):
    return _load_images(
        "fashion_mnist",
        _FASHION_DESCR,
        _FASHION_CLASSES,
        subset,
        data_home,
        download_if_missing,
        return_X_y,
    )


def _load_images(folder, descr, target_names, subset, data_home, download_if_missing, return_X_y):
    X, y, original_split = _load_idx_set(folder, subset, data_home, download_if_missing)
    return _finish(
        X,
        y,
        return_X_y,
        target_names=target_names,
        image_shape=(28, 28),
        original_split=original_split,
        DESCR=descr,
    )


_IMAGE_RETURNS = """
    Returns
    -------
    Bunch or tuple
        ``data`` (n, 784) float32 in [0, 1], ``target`` (n,) int64 class indices,
        ``target_names``, ``image_shape`` (28, 28), ``original_split`` ("train" or
        "test" per row) and ``DESCR``; or ``(data, target)`` with ``return_X_y``.
"""

load_mnist.__doc__ = f"""The MNIST digits: 70,000 images of 28 x 28 pixels, 10 classes.
{_LOADER_PARAMETERS}{_IMAGE_RETURNS}
    Examples
    --------
    >>> from imbnn.datasets import load_mnist
    >>> X, y = load_mnist(subset="test", return_X_y=True)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (10000, 784)
"""

load_fashion_mnist.__doc__ = f"""Fashion-MNIST: 70,000 images of clothes, 28 x 28, 10 classes.
{_LOADER_PARAMETERS}{_IMAGE_RETURNS}
    Examples
    --------
    >>> from imbnn.datasets import load_fashion_mnist
    >>> bunch = load_fashion_mnist(subset="test")  # doctest: +SKIP
    >>> bunch.target_names[bunch.target[0]]  # doctest: +SKIP
    'Ankle boot'
"""


# ---------------------------------------------------------------------------- USPS

_USPS_DESCR = """USPS "zip code" digits
=======================

9,298 grey-scale 16 x 16 images of the digits 0-9 (7,291 train, 2,007 test) from
envelopes of the US Postal Service, as rows of 256 values in [-1, 1].

Hastie, Tibshirani, Friedman, The Elements of Statistical Learning, 2nd ed.,
Springer 2009, data "ZIP code"; from Le Cun et al. (1990), made available by the
AT&T neural network group.
"""


def load_usps(*, subset="train", data_home=None, download_if_missing=True, return_X_y=False):
    _check_subset(subset)
    parts = {}
    for part in ("train", "test"):
        if subset in (part, "all"):
            table = np.loadtxt(_path(f"usps_zip/zip.{part}.gz", data_home, download_if_missing))
            parts[part] = (table[:, 1:].astype(np.float32), table[:, 0].astype(np.int64))
    X, y, original_split = _combine(parts, subset)
    return _finish(
        X,
        y,
        return_X_y,
        target_names=np.arange(10).astype(str),
        image_shape=(16, 16),
        original_split=original_split,
        DESCR=_USPS_DESCR,
    )


load_usps.__doc__ = f"""The USPS zip-code digits of *The Elements of Statistical Learning*.
{_LOADER_PARAMETERS}
    Returns
    -------
    Bunch or tuple
        ``data`` (n, 256) float32 in [-1, 1], ``target`` (n,) int64 digits,
        ``target_names``, ``image_shape`` (16, 16), ``original_split``, ``DESCR``.

    Examples
    --------
    >>> from imbnn.datasets import load_usps
    >>> X, y = load_usps(return_X_y=True)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (7291, 256)
"""


# ---------------------------------------------------------------------------- UCI


def _text(name, data_home, download_if_missing):
    return _path(name, data_home, download_if_missing).read_text(encoding="latin-1")


def _uci_descr(title, credit, names_file, data_home, download_if_missing):
    descr = f"{title}\n{'=' * len(title)}\n\n{credit}\n"
    if names_file is not None:
        try:
            descr += "\nThe UCI description file:\n\n" + _text(
                names_file, data_home, download_if_missing
            )
        except FileNotFoundError:
            pass  # the description is a courtesy; the data loaded without it
    return descr


def load_image_segmentation(
    *, subset="train", data_home=None, download_if_missing=True, return_X_y=False
):
    _check_subset(subset)
    parts = {}
    feature_names = None
    for part, name in (("train", "data"), ("test", "test")):
        if subset not in (part, "all"):
            continue
        rows = []
        for line in _text(
            f"uci_image_segmentation/segmentation.{name}", data_home, download_if_missing
        ).splitlines():
            line = line.strip()
            if not line or line.startswith(";"):
                continue
            if line.startswith("REGION"):
                feature_names = np.array(line.split(","))
                continue
            rows.append(line.split(","))
        table = np.array(rows)
        parts[part] = (table[:, 1:].astype(np.float64), table[:, 0])
    X, y, original_split = _combine(parts, subset)
    descr = _uci_descr(
        "UCI Image Segmentation",
        "3 x 3 regions of 7 outdoor images, 19 features, 7 classes (30 train and 300 test "
        "regions each). Vision Group, University of Massachusetts, 1990.",
        "uci_image_segmentation/segmentation.names",
        data_home,
        download_if_missing,
    )
    return _finish(
        X,
        y,
        return_X_y,
        target_names=np.unique(y),
        feature_names=feature_names,
        original_split=original_split,
        DESCR=descr,
    )


def load_landsat(*, subset="train", data_home=None, download_if_missing=True, return_X_y=False):
    _check_subset(subset)
    parts = {}
    for part, name in (("train", "trn"), ("test", "tst")):
        if subset in (part, "all"):
            table = np.loadtxt(
                _path(f"uci_statlog_landsat/sat.{name}", data_home, download_if_missing)
            )
            parts[part] = (table[:, :-1], table[:, -1].astype(np.int64))
    X, y, original_split = _combine(parts, subset)
    descr = _uci_descr(
        "UCI Statlog Landsat Satellite",
        "3 x 3 neighbourhoods of a Landsat image, 4 spectral bands (36 features), 6 soil "
        "classes labelled 1, 2, 3, 4, 5, 7 (4,435 train, 2,000 test). Ashwin Srinivasan, "
        "from data of the Australian Centre for Remote Sensing.",
        None,
        data_home,
        download_if_missing,
    )
    return _finish(
        X, y, return_X_y, target_names=np.unique(y), original_split=original_split, DESCR=descr
    )


def load_optdigits(*, subset="train", data_home=None, download_if_missing=True, return_X_y=False):
    _check_subset(subset)
    parts = {}
    for part, name in (("train", "tra"), ("test", "tes")):
        if subset in (part, "all"):
            table = np.loadtxt(
                _path(f"uci_optdigits/optdigits.{name}", data_home, download_if_missing),
                delimiter=",",
            )
            parts[part] = (table[:, :-1], table[:, -1].astype(np.int64))
    X, y, original_split = _combine(parts, subset)
    descr = _uci_descr(
        "UCI Optical Recognition of Handwritten Digits",
        "8 x 8 counts (0-16) of 32 x 32 bitmaps of handwritten digits, 10 classes (3,823 "
        "train, 1,797 test). E. Alpaydin and C. Kaynak, 1998.",
        "uci_optdigits/optdigits.names",
        data_home,
        download_if_missing,
    )
    return _finish(
        X,
        y,
        return_X_y,
        target_names=np.arange(10).astype(str),
        original_split=original_split,
        DESCR=descr,
    )


def load_ozone(*, data_home=None, download_if_missing=True, return_X_y=False):
    """UCI Ozone Level Detection (8-hour peak): 2,534 days, 72 features, 160 ozone days.

    Missing measurements (``?`` in the file) are NaN in ``data``: impute them (for
    example with :class:`sklearn.impute.SimpleImputer` in a pipeline) before an
    estimator that refuses NaN.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder of the data files; see :func:`~imbnn.datasets.get_data_home`.
    download_if_missing : bool, default=True
        See :func:`load_mnist`.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    Bunch or tuple
        ``data`` (2534, 72) float64 with NaN, ``target`` (2534,) int64 (1 = ozone day),
        ``dates`` (the first column of the file), ``DESCR``.

    Examples
    --------
    >>> from imbnn.datasets import load_ozone
    >>> X, y = load_ozone(return_X_y=True)  # doctest: +SKIP
    >>> X.shape, int(y.sum())  # doctest: +SKIP
    ((2534, 72), 160)
    """
    text = _text("uci_ozone/eighthr.data", data_home, download_if_missing)
    rows = [line.split(",") for line in text.splitlines() if line.strip()]
    dates = np.array([row[0] for row in rows])
    table = np.array(
        [[np.nan if value == "?" else float(value) for value in row[1:]] for row in rows]
    )
    X, y = table[:, :-1], table[:, -1].astype(np.int64)
    descr = _uci_descr(
        "UCI Ozone Level Detection (eight-hour peak)",
        "Daily weather and pollution measurements, Houston-Galveston-Brazoria area, "
        "1998-2004; class 1 marks an ozone day. Kun Zhang, Wei Fan, XiaoJing Yuan.",
        None,
        data_home,
        download_if_missing,
    )
    return _finish(
        X,
        y,
        return_X_y,
        target_names=np.array(["normal day", "ozone day"]),
        dates=dates,
        DESCR=descr,
    )


def load_coil2000(*, subset="train", data_home=None, download_if_missing=True, return_X_y=False):
    _check_subset(subset)
    parts = {}
    if subset in ("train", "all"):
        table = np.loadtxt(_path("uci_coil2000/ticdata2000.txt", data_home, download_if_missing))
        parts["train"] = (table[:, :-1], table[:, -1].astype(np.int64))
    if subset in ("test", "all"):
        X = np.loadtxt(_path("uci_coil2000/ticeval2000.txt", data_home, download_if_missing))
        y = np.loadtxt(_path("uci_coil2000/tictgts2000.txt", data_home, download_if_missing))
        parts["test"] = (X, y.astype(np.int64))
    X, y, original_split = _combine(parts, subset)
    descr = _uci_descr(
        "UCI Insurance Company Benchmark (COIL 2000)",
        "85 socio-demographic and product-ownership features per customer; class 1 marks "
        "a caravan insurance policy holder (348 of 5,822 train, 238 of 4,000 test). Peter "
        "van der Putten, Sentient Machine Research, 2000.",
        None,
        data_home,
        download_if_missing,
    )
    return _finish(
        X,
        y,
        return_X_y,
        target_names=np.array(["no caravan policy", "caravan policy"]),
        original_split=original_split,
        DESCR=descr,
    )


_UCI_RETURNS = """
    Returns
    -------
    Bunch or tuple
        ``data`` float64, ``target``, ``target_names``, ``original_split`` ("train" or
        "test" per row) and ``DESCR``; or ``(data, target)`` with ``return_X_y``.
"""

load_image_segmentation.__doc__ = f"""UCI Image Segmentation: 2,310 regions, 19 features, 7 classes.
{_LOADER_PARAMETERS}{_UCI_RETURNS}
    Examples
    --------
    >>> from imbnn.datasets import load_image_segmentation
    >>> X, y = load_image_segmentation(return_X_y=True)  # doctest: +SKIP
    >>> X.shape, y[0]  # doctest: +SKIP
    ((210, 19), 'BRICKFACE')
"""

load_landsat.__doc__ = f"""UCI Statlog Landsat Satellite: 6,435 pixels, 36 features, 6 classes.
{_LOADER_PARAMETERS}{_UCI_RETURNS}
    Examples
    --------
    >>> from imbnn.datasets import load_landsat
    >>> X, y = load_landsat(subset="test", return_X_y=True)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (2000, 36)
"""

load_optdigits.__doc__ = f"""UCI Optical Recognition of Handwritten Digits: 5,620 rows, 64 features.
{_LOADER_PARAMETERS}{_UCI_RETURNS}
    Examples
    --------
    >>> from imbnn.datasets import load_optdigits
    >>> X, y = load_optdigits(return_X_y=True)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (3823, 64)
"""

load_coil2000.__doc__ = f"""UCI COIL 2000 (insurance company benchmark): 9,822 customers.
{_LOADER_PARAMETERS}{_UCI_RETURNS}
    Examples
    --------
    >>> from imbnn.datasets import load_coil2000
    >>> X, y = load_coil2000(subset="all", return_X_y=True)  # doctest: +SKIP
    >>> X.shape, int(y.sum())  # doctest: +SKIP
    ((9822, 85), 586)
"""


# ---------------------------------------------------------------------------- imbalanced-learn

#: Names of imbalanced-learn's benchmark collection (Zenodo record 61452) that imbnn
#: can load, with their IDs. IDs 9 (isolet), 12 (scene), 15 (coil_2000, see
#: :func:`load_coil2000`), 23 (webpage) and 26 (protein_homo) are not available.
IMBALANCED_LEARN_DATASETS = {
    "ecoli": 1,
    "optical_digits": 2,
    "satimage": 3,
    "pen_digits": 4,
    "abalone": 5,
    "sick_euthyroid": 6,
    "spectrometer": 7,
    "car_eval_34": 8,
    "us_crime": 10,
    "yeast_ml8": 11,
    "libras_move": 13,
    "thyroid_sick": 14,
    "arrhythmia": 16,
    "solar_flare_m0": 17,
    "oil": 18,
    "car_eval_4": 19,
    "wine_quality": 20,
    "letter_img": 21,
    "yeast_me2": 22,
    "ozone_level": 24,
    "mammography": 25,
    "abalone_19": 27,
}


def load_imbalanced_learn(name, *, data_home=None, download_if_missing=True, return_X_y=False):
    """A data set of imbalanced-learn's benchmark collection (Ding, 2011; Zenodo 61452).

    The same files as :func:`imblearn.datasets.fetch_datasets` reads: binary tasks
    with labels -1 (majority) and +1 (minority).

    Parameters
    ----------
    name : str
        One of :data:`IMBALANCED_LEARN_DATASETS` (e.g. ``"ecoli"``, ``"mammography"``).
    data_home : str or path-like, default=None
        Folder of the data files; see :func:`~imbnn.datasets.get_data_home`. The file
        is ``<data_home>/imbalanced_learn/zenodo/x<ID>data.npz``.
    download_if_missing : bool, default=True
        See :func:`load_mnist`.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    Bunch or tuple
        ``data`` float64, ``target`` int64 in {-1, 1}, ``DESCR``.

    Examples
    --------
    >>> from imbnn.datasets import load_imbalanced_learn
    >>> X, y = load_imbalanced_learn("ecoli", return_X_y=True)  # doctest: +SKIP
    >>> X.shape, int((y == 1).sum())  # doctest: +SKIP
    ((336, 7), 35)
    """
    if name not in IMBALANCED_LEARN_DATASETS:
        raise ValueError(
            f"Unknown imbalanced-learn data set {name!r}; available: "
            f"{', '.join(sorted(IMBALANCED_LEARN_DATASETS))}."
        )
    number = IMBALANCED_LEARN_DATASETS[name]
    path = _path(f"imbalanced_learn/zenodo/x{number}data.npz", data_home, download_if_missing)
    with np.load(path) as archive:
        X = np.asarray(archive["data"], dtype=np.float64)
        y = np.asarray(archive["label"], dtype=np.int64)
    descr = (
        f"imbalanced-learn benchmark data set {name} (ID {number})\n\n"
        f"{len(y)} samples, {X.shape[1]} features, {int((y == 1).sum())} minority (+1) and "
        f"{int((y == -1).sum())} majority (-1). Collection of Ding, Zejin, Diversified Ensemble "
        "Classifiers for Highly Imbalanced Data Learning and their Application in "
        "Bioinformatics, PhD dissertation, Georgia State University, 2011; distributed by "
        "imbalanced-learn as Zenodo record 61452.\n"
    )
    return _finish(X, y, return_X_y, target_names=np.array([-1, 1]), DESCR=descr)
