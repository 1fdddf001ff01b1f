import os
from pathlib import Path

import numpy as np
import pytest
import torch

# Two cores on CI: one torch thread per process keeps GridSearchCV(n_jobs=2) from oversubscribing.
torch.set_num_threads(1)

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_home():
    """The offline copy of the real data sets: $IMBNN_DATA or ../shared/data beside the repo."""
    candidates = [os.environ.get("IMBNN_DATA"), REPO_ROOT.parent / "shared" / "data"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


@pytest.fixture
def data_home():
    home = shared_data_home()
    if home is None:
        pytest.skip("the real data sets (../shared/data or $IMBNN_DATA) are not available")
    return home


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip_cuda = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip_cuda)
