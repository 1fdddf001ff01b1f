"""Data loaders, the checked download, make_imbalanced and make_imbalanced_subsets."""

import gzip
import hashlib
import struct

import numpy as np
import pytest

from imbnn.datasets import (
    IMBALANCED_LEARN_DATASETS,
    get_data_home,
    load_coil2000,
    load_fashion_mnist,
    load_image_segmentation,
    load_imbalanced_learn,
    load_landsat,
    load_mnist,
    load_optdigits,
    load_ozone,
    load_usps,
    make_imbalanced,
    make_imbalanced_subsets,
)
from imbnn.datasets import _loaders
from imbnn.datasets._fetch import RemoteFile, fetch_file
from imbnn.datasets._files import FILES

# ----------------------------------------------------------------------------- data home


def test_data_home_argument_beats_environment_beats_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("IMBNN_DATA", str(tmp_path / "from_env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert get_data_home(tmp_path / "argument") == tmp_path / "argument"
    assert get_data_home() == tmp_path / "from_env"
    monkeypatch.delenv("IMBNN_DATA")
    assert get_data_home() == tmp_path / "cache" / "imbnn"


# ----------------------------------------------------------------------------- download


def _remote(tmp_path, content, name="folder/file.bin", sha256=None):
    source = tmp_path / "server" / name.replace("/", "_")
    source.parent.mkdir(exist_ok=True)
    source.write_bytes(content)
    digest = sha256 or hashlib.sha256(content).hexdigest()
    return RemoteFile(name, digest, (source.as_uri(),))


def test_missing_file_is_downloaded_and_verified(tmp_path):
    remote = _remote(tmp_path, b"some bytes")
    home = tmp_path / "home"
    path = fetch_file(remote, data_home=home)
    assert path == home / "folder" / "file.bin"
    assert path.read_bytes() == b"some bytes"
    # Present now: a second call must not need the source any more.
    (tmp_path / "server" / "folder_file.bin").unlink()
    assert fetch_file(remote, data_home=home) == path


def test_checksum_mismatch_keeps_nothing_and_tries_the_next_source(tmp_path):
    good = _remote(tmp_path, b"right", name="a/good.bin")
    bad_source = tmp_path / "server" / "wrong.bin"
    bad_source.write_bytes(b"wrong")
    remote = RemoteFile("a/file.bin", good.sha256, (bad_source.as_uri(), good.urls[0]))
    path = fetch_file(remote, data_home=tmp_path / "home")
    assert path.read_bytes() == b"right"

    only_bad = RemoteFile("a/other.bin", good.sha256, (bad_source.as_uri(),))
    with pytest.raises(FileNotFoundError, match="sha256 mismatch"):
        fetch_file(only_bad, data_home=tmp_path / "home")
    assert not (tmp_path / "home" / "a" / "other.bin").exists()
    assert list((tmp_path / "home" / "a").glob("*.part")) == []


def test_no_network_error_names_the_file_and_where_to_put_it(tmp_path):
    # Port 9 (discard) on localhost refuses connections at once: a stand-in for no network.
    remote = RemoteFile("mnist/train.gz", "0" * 64, ("http://127.0.0.1:9/train.gz",))
    with pytest.raises(FileNotFoundError) as error:
        fetch_file(remote, data_home=tmp_path)
    message = str(error.value)
    assert "mnist/train.gz" in message
    assert str(tmp_path / "mnist" / "train.gz") in message
    assert "IMBNN_DATA" in message and "http://127.0.0.1:9/train.gz" in message


def test_download_if_missing_false_does_not_download(tmp_path):
    remote = _remote(tmp_path, b"x")
    with pytest.raises(FileNotFoundError, match="is missing"):
        fetch_file(remote, data_home=tmp_path / "home", download_if_missing=False)
    assert not (tmp_path / "home" / "folder" / "file.bin").exists()


def _idx_bytes(array):
    header = struct.pack(">I", 0x0800 | array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def test_mnist_loader_downloads_and_parses_idx_files(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    images = {"train": rng.integers(0, 256, (5, 28, 28)), "t10k": rng.integers(0, 256, (3, 28, 28))}
    labels = {"train": np.array([5, 0, 4, 1, 9]), "t10k": np.array([7, 2, 1])}
    files = {}
    for prefix in ("train", "t10k"):
        for kind, array in (("images-idx3", images[prefix]), ("labels-idx1", labels[prefix])):
            name = f"mnist/{prefix}-{kind}-ubyte.gz"
            files[name] = _remote(tmp_path, _idx_bytes(array), name=name)
    monkeypatch.setattr(_loaders, "FILES", files)
    bunch = load_mnist(subset="all", data_home=tmp_path / "home")
    expected = np.concatenate([images["train"], images["t10k"]]).reshape(8, 784) / 255
    np.testing.assert_allclose(bunch.data, expected, rtol=1e-6)
    np.testing.assert_array_equal(bunch.target, [5, 0, 4, 1, 9, 7, 2, 1])
    assert bunch.original_split.tolist() == ["train"] * 5 + ["test"] * 3
    assert bunch.data.dtype == np.float32 and "LeCun" in bunch.DESCR
    X, y = load_mnist(subset="test", data_home=tmp_path / "home", return_X_y=True)
    assert X.shape == (3, 784) and y.tolist() == [7, 2, 1]


def test_bad_subset_and_unknown_collection_name():
    with pytest.raises(ValueError, match="subset must be one of"):
        load_mnist(subset="validation")
    with pytest.raises(ValueError, match="Unknown imbalanced-learn data set 'isolet'"):
        load_imbalanced_learn("isolet")


# ----------------------------------------------------------------------------- real data


@pytest.mark.data
def test_registry_checksums_match_the_shared_files(data_home):
    # An independent read of every file: the registry's sha256 must be the file's.
    assert set(FILES) == {
        line.split()[1]
        for line in (data_home / "SHA256SUMS").read_text().splitlines()
        if line.strip()
    }
    for path, remote in FILES.items():
        assert hashlib.sha256((data_home / path).read_bytes()).hexdigest() == remote.sha256, path


@pytest.mark.data
def test_image_loaders_match_the_published_counts(data_home):
    X, y = load_mnist(subset="train", data_home=data_home, return_X_y=True)
    assert X.shape == (60000, 784) and X.min() == 0 and X.max() == 1
    assert np.bincount(y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert y[0] == 5  # the first MNIST training image is a 5
    fashion = load_fashion_mnist(subset="test", data_home=data_home)
    assert (
        fashion.data.shape == (10000, 784) and np.bincount(fashion.target).tolist() == [1000] * 10
    )
    assert fashion.target_names[fashion.target[0]] == "Ankle boot"
    usps = load_usps(subset="all", data_home=data_home)
    assert usps.data.shape == (9298, 256) and usps.data.min() == -1 and usps.data.max() == 1
    assert np.bincount(usps.target[usps.original_split == "test"]).tolist() == [
        359,
        264,
        198,
        166,
        200,
        160,
        170,
        147,
        166,
        177,
    ]


@pytest.mark.data
def test_uci_loaders_match_the_published_counts(data_home):
    X, y = load_image_segmentation(subset="all", data_home=data_home, return_X_y=True)
    assert X.shape == (2310, 19) and np.unique(y, return_counts=True)[1].tolist() == [330] * 7
    bunch = load_landsat(subset="train", data_home=data_home)
    assert bunch.data.shape == (4435, 36)
    assert dict(zip(*np.unique(bunch.target, return_counts=True))) == {
        1: 1072,
        2: 479,
        3: 961,
        4: 415,
        5: 470,
        7: 1038,
    }
    X, y = load_optdigits(subset="test", data_home=data_home, return_X_y=True)
    assert X.shape == (1797, 64) and X.max() == 16
    X, y = load_ozone(data_home=data_home, return_X_y=True)
    assert X.shape == (2534, 72) and y.sum() == 160 and np.isnan(X).any(axis=1).sum() == 687
    X, y = load_coil2000(subset="all", data_home=data_home, return_X_y=True)
    assert X.shape == (9822, 85) and y[:5822].sum() == 348 and y[5822:].sum() == 238


@pytest.mark.data
def test_imbalanced_learn_loader_agrees_with_imblearn(data_home):
    from imblearn.datasets import fetch_datasets

    names = ["ecoli", "abalone_19", "mammography"]
    theirs = fetch_datasets(
        data_home=str(data_home / "imbalanced_learn"),
        download_if_missing=False,
        filter_data=tuple(names),
    )
    for name in names:
        X, y = load_imbalanced_learn(name, data_home=data_home, return_X_y=True)
        np.testing.assert_array_equal(X, theirs[name].data)
        np.testing.assert_array_equal(y, theirs[name].target)
    for name in IMBALANCED_LEARN_DATASETS:
        bunch = load_imbalanced_learn(name, data_home=data_home)
        assert set(np.unique(bunch.target)) == {-1, 1} and name in bunch.DESCR


# ----------------------------------------------------------------------------- make_imbalanced


def _labels(counts):
    return np.concatenate([np.full(count, label) for label, count in counts.items()])


def test_even_at_one_percent_reproduces_the_seed_table():
    # Odd digit counts of the unbalanced MNIST subset in the AUM slides (Hillman & Hocking's AUM slides):
    # 3938 + 3571 + 3156 + 3647 + 3479 odd rows kept 179 even rows at 1%.
    odd = {1: 3938, 3: 3571, 5: 3156, 7: 3647, 9: 3479}
    even = {0: 3568, 2: 3613, 4: 3528, 6: 3554, 8: 3528}
    y = _labels({**odd, **even})
    X = np.arange(len(y))[:, None]
    X_out, y_out, indices = make_imbalanced(
        X,
        y,
        minority_classes=[0, 2, 4, 6, 8],
        minority_proportion=0.01,
        random_state=0,
        return_indices=True,
    )
    assert y_out.sum() == 179 and (y_out == 0).sum() == sum(odd.values())
    np.testing.assert_array_equal(X_out[:, 0], indices)
    np.testing.assert_array_equal(y_out, np.isin(y[indices], [0, 2, 4, 6, 8]))
    per_digit = np.bincount(y[indices][y_out == 1], minlength=10)[[0, 2, 4, 6, 8]]
    expected = 179 * np.array(list(even.values())) / sum(even.values())
    assert np.all(np.abs(per_digit - expected) < 1)


def test_ratio_multiclass_and_reproducibility():
    y = _labels({"a": 500, "b": 300, "c": 200})
    X = np.random.default_rng(0).normal(size=(len(y), 2))
    _, y_ratio = make_imbalanced(X, y, minority_classes=["c"], imbalance_ratio=40, random_state=0)
    assert y_ratio.sum() == 800 // 40
    _, y_multi = make_imbalanced(
        X, y, minority_classes=["b", "c"], minority_proportion=0.05, binary=False, random_state=0
    )
    counts = dict(zip(*np.unique(y_multi, return_counts=True)))
    # Each of 2 minority classes is 5% of the result: n = 0.05 * 500 / (1 - 2 * 0.05) = 27.8.
    assert counts == {"a": 500, "b": 27, "c": 27}
    _, y_multi_ratio = make_imbalanced(
        X, y, minority_classes=["b", "c"], imbalance_ratio=10, binary=False, random_state=0
    )
    assert dict(zip(*np.unique(y_multi_ratio, return_counts=True))) == {"a": 500, "b": 50, "c": 50}
    first = make_imbalanced(
        X, y, minority_classes=["c"], minority_proportion=0.1, random_state=3, return_indices=True
    )[2]
    again = make_imbalanced(
        X, y, minority_classes=["c"], minority_proportion=0.1, random_state=3, return_indices=True
    )[2]
    other = make_imbalanced(
        X, y, minority_classes=["c"], minority_proportion=0.1, random_state=4, return_indices=True
    )[2]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def _remix_downsample(y, minority, ratio, random_state):
    """The ReMix reproduction's own down-sampling, as it was written before make_imbalanced."""
    rng = np.random.RandomState(random_state)
    is_minority = np.isin(y, minority)
    keep = [np.flatnonzero(~is_minority)]
    _, majority_counts = np.unique(y[~is_minority], return_counts=True)
    reference = majority_counts.sum() if len(minority) == 1 else majority_counts.max()
    for label in minority:
        members = np.flatnonzero(y == label)
        wanted = max(int(round(ratio * reference)), 4)
        keep.append(rng.choice(members, wanted, replace=False))
    return np.sort(np.concatenate(keep))


@pytest.mark.parametrize(
    "counts, minority, ratio",
    [
        ({0: 4530, 1: 900}, [1], 0.05),  # 226.5: a half, rounded to even
        ({0: 1000, 1: 300}, [1], 0.025),
        ({0: 150, 1: 300}, [1], 0.01),  # 1.5 rows: raised to 4
        ({0: 700, 1: 300, 2: 250, 3: 500}, [1, 2, 3], 0.1),
        ({0: 700, 1: 300, 2: 250, 3: 500}, [1, 2], 0.05),
    ],
)
def test_minority_ratio_nearest_with_a_floor_is_the_remix_down_sampling(counts, minority, ratio):
    y = _labels(counts)
    X = np.arange(len(y))[:, None]
    for seed in range(3):
        _, y_out, indices = make_imbalanced(
            X, y, minority_classes=minority, minority_ratio=ratio, binary=len(minority) == 1,
            rounding="nearest", min_minority=4, random_state=seed, return_indices=True,
        )
        np.testing.assert_array_equal(indices, _remix_downsample(y, minority, ratio, seed))


def _class_fraction_subsample(y, classes, fractions, rng):
    """The threshold reproduction's own per-class sub-sampling, before make_imbalanced."""
    rows = []
    for label, fraction in zip(classes, fractions):
        members = np.flatnonzero(y == label)
        rows.append(rng.choice(members, size=int(round(fraction * len(members))), replace=False))
    return np.sort(np.concatenate(rows))


def test_class_fractions_with_a_generator_is_the_threshold_reproduction_sampling():
    y = _labels({0: 600, 1: 550, 2: 500, 3: 450})
    X = np.arange(len(y))[:, None]
    classes, fractions = [0, 1, 2], [1.0, 0.15 / 0.8, 0.05 / 0.8]
    ours, theirs = np.random.default_rng(4), np.random.default_rng(4)
    keep = np.isin(y, classes)
    for _ in range(2):  # the same Generator, used again, draws other rows
        X_out, _ = make_imbalanced(
            X[keep], y[keep], class_fractions=dict(zip(classes, fractions)), binary=False,
            rounding="nearest", random_state=ours,
        )
        np.testing.assert_array_equal(X_out[:, 0], _class_fraction_subsample(y, classes, fractions, theirs))
    _, y_out = make_imbalanced(X, y, class_fractions={3: 0.1}, binary=False, random_state=0)
    assert dict(zip(*np.unique(y_out, return_counts=True))) == {0: 600, 1: 550, 2: 500, 3: 45}
    with pytest.raises(ValueError, match="class_fractions names its classes itself"):
        make_imbalanced(X, y, minority_classes=[3], class_fractions={3: 0.1})
    with pytest.raises(ValueError, match=r"fractions in \(0, 1\]; got \{3: 1.5\}"):
        make_imbalanced(X, y, class_fractions={3: 1.5})


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"minority_classes": [1]}, "exactly one of"),
        (
            {"minority_classes": [1], "minority_proportion": 0.1, "imbalance_ratio": 3},
            "exactly one of",
        ),
        ({"minority_classes": [7], "minority_proportion": 0.1}, r"\[7\] do not occur"),
        ({"minority_classes": [0, 1], "minority_proportion": 0.1}, "no majority rows"),
        ({"minority_classes": [1], "minority_proportion": 0.9}, "only down-samples"),
        ({"minority_classes": [1], "minority_proportion": 0.001}, "no minority row"),
        ({"minority_classes": [1], "minority_proportion": 1.5}, "minority_proportion"),
    ],
)
def test_make_imbalanced_bad_requests(kwargs, message):
    y = _labels({0: 100, 1: 100})
    with pytest.raises(ValueError, match=message):
        make_imbalanced(np.zeros((200, 1)), y, **kwargs)


def test_make_imbalanced_too_many_minority_classes_for_the_proportion():
    y = _labels({0: 100, 1: 50, 2: 50, 3: 50})
    with pytest.raises(ValueError, match="leave no room"):
        make_imbalanced(
            np.zeros((250, 1)), y, minority_classes=[1, 2, 3], minority_proportion=0.4, binary=False
        )


# ------------------------------------------------------------ make_imbalanced_subsets


def test_imbalanced_subsets_halve_each_class_and_down_sample_the_unbalanced_half():
    counts = {0: 400, 1: 301, 2: 200, 3: 101}
    y = _labels(counts)
    X = np.arange(len(y))[:, None] * 10.0  # each row says where it came from
    task = make_imbalanced_subsets(
        X, y, minority_classes=[0, 2], minority_proportion=0.05, random_state=3
    )
    balanced, unbalanced = task.subset == "balanced", task.subset == "unbalanced"
    np.testing.assert_array_equal(task.data[:, 0], task.indices * 10.0)
    np.testing.assert_array_equal(task.original_target, y[task.indices])
    np.testing.assert_array_equal(task.target, np.isin(y[task.indices], [0, 2]))
    assert len(np.unique(task.indices)) == len(task.indices)  # the halves are disjoint
    # The balanced half keeps the larger half of every class, in the original order.
    assert np.bincount(task.original_target[balanced]).tolist() == [200, 151, 100, 51]
    assert np.all(np.diff(task.indices[balanced]) > 0)
    # The unbalanced half: the majority's smaller halves; the minority at 5% of the
    # half, floor(0.05 * 200 / 0.95) = 10 rows shared 200:100 by largest remainders.
    assert np.bincount(task.original_target[unbalanced]).tolist() == [7, 150, 3, 50]
    assert task.target[unbalanced].mean() == pytest.approx(10 / 210)
    again = make_imbalanced_subsets(
        X, y, minority_classes=[0, 2], minority_proportion=0.05, random_state=3
    )
    np.testing.assert_array_equal(again.indices, task.indices)
    other = make_imbalanced_subsets(
        X, y, minority_classes=[0, 2], minority_proportion=0.05, random_state=4
    )
    assert not np.array_equal(other.indices, task.indices)


def test_imbalanced_subsets_of_a_random_sample_are_the_soak_reproduction_sampling():
    # The sampling benchmarks/reproduce_aum_soak.py did before it called this function.
    y = _labels({label: 150 + 7 * label for label in range(10)})
    X = np.arange(len(y))[:, None]
    seed, n_rows, even = 1, 900, [0, 2, 4, 6, 8]
    rng = np.random.RandomState(seed)
    keep = np.sort(rng.choice(len(y), n_rows, replace=False))
    digit = y[keep]
    half = np.zeros(len(digit), dtype=bool)
    for label in np.unique(digit):
        rows = np.flatnonzero(digit == label)
        half[rng.choice(rows, len(rows) // 2, replace=False)] = True
    _, _, kept = make_imbalanced(
        X[keep][half], digit[half], minority_classes=even, minority_proportion=0.01,
        random_state=seed, return_indices=True,
    )
    expected = keep[np.concatenate([np.flatnonzero(~half), np.flatnonzero(half)[kept]])]
    task = make_imbalanced_subsets(
        X, y, minority_classes=even, minority_proportion=0.01, n_samples=n_rows,
        random_state=seed,
    )
    np.testing.assert_array_equal(task.indices, expected)
    assert (task.subset == "balanced").sum() == (~half).sum()
    with pytest.raises(ValueError, match="n_samples=2000 is more than the"):
        make_imbalanced_subsets(X, y, minority_classes=even, minority_proportion=0.01,
                                n_samples=2000)
