"""Real data sets for imbalanced classification, and imbalanced tasks made from them.

Loaders read their files from a data home: the ``data_home`` argument, else the
``IMBNN_DATA`` environment variable, else a per-user cache folder (see
:func:`get_data_home`). A missing file is downloaded from its public source and its
sha256 checked; without network the error names the file and where to put it.
"""

from ._fetch import get_data_home
from ._imbalance import make_imbalanced, make_imbalanced_subsets
from ._loaders import (
    IMBALANCED_LEARN_DATASETS,
    load_coil2000,
    load_fashion_mnist,
    load_image_segmentation,
    load_imbalanced_learn,
    load_landsat,
    load_mnist,
    load_optdigits,
    load_ozone,
    load_usps,
)

__all__ = [
    "IMBALANCED_LEARN_DATASETS",
    "get_data_home",
    "load_coil2000",
    "load_fashion_mnist",
    "load_image_segmentation",
    "load_imbalanced_learn",
    "load_landsat",
    "load_mnist",
    "load_optdigits",
    "load_ozone",
    "load_usps",
    "make_imbalanced",
    "make_imbalanced_subsets",
]
