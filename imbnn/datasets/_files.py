"""Every data file imbnn can load: its path under the data home, sha256 and sources.

The sha256 values are those of the offline copy described in the project's data
README (``shared/data/SHA256SUMS``). GitHub sources are pinned to the commit the
bytes were taken from; the original providers' addresses come after them.
"""

from ._fetch import RemoteFile

__all__ = ["FILES"]

_UCI = "https://archive.ics.uci.edu/ml/machine-learning-databases"


def _github(repository, commit, path):
    return f"https://raw.githubusercontent.com/{repository}/{commit}/{path}"


# Each source: a function of the file name giving its download address.
_SOURCES = {
    "fashion_mnist": (
        lambda name: _github(
            "zalandoresearch/fashion-mnist",
            "b2617bb6d3ffa2e429640350f613e3291e10b141",
            f"data/fashion/{name}",
        ),
        lambda name: f"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/{name}",
    ),
    "mnist": (
        lambda name: f"https://ossci-datasets.s3.amazonaws.com/mnist/{name}",
        lambda name: f"https://storage.googleapis.com/cvdf-datasets/mnist/{name}",
    ),
    "usps_zip": (
        lambda name: _github(
            "tdhock/2023-08-deep-learning",
            "27722edd4db50ad840a2c16bd16e1b9ca608ce4b",
            f"data/{name}",
        ),
        lambda name: f"https://hastie.su.domains/ElemStatLearn/datasets/{name}",
    ),
    "imbalanced_learn/zenodo": (
        lambda name: _github(
            "buptss/OverSample",
            "1a7e07e2434ea04386add31f7e86b37e1f5fcc37",
            f"data/zenodo/{name}",
        ),
    ),
    "uci_image_segmentation": (
        lambda name: _github(
            "newtonlb/ProjetoAM",
            "0ec4ab9d39f10362448a519804dfe3fc2e7d908f",
            name,
        ),
        lambda name: f"{_UCI}/image/{name}",
    ),
    "uci_statlog_landsat": (
        lambda name: _github(
            "dirichletcal/experiments_neurips",
            "54989edf11995f7f0f8390766e51133373044db2",
            f"datasets/{name}",
        ),
        lambda name: f"{_UCI}/statlog/satimage/{name}",
    ),
    "uci_optdigits": (
        lambda name: _github(
            "vishalburri/BACKPROPAGATION-NN",
            "3b89fb7ed142ee44b511b0f60f76bc21eebdfa3a",
            name,
        ),
        lambda name: f"{_UCI}/optdigits/{name}",
    ),
    "uci_ozone": (
        lambda name: _github(
            "totoff/ML_snippets",
            "fd5fb235d2347915c8e8a04f951ebcb2de462256",
            name,
        ),
        lambda name: f"{_UCI}/ozone/{name}",
    ),
    "uci_coil2000": (
        lambda name: _github(
            "saisahiti/data-mining",
            "51b84a08449a625a1e833a50490996a22bbf5d78",
            name,
        ),
        lambda name: f"{_UCI}/tic-mld/{name}",
    ),
}

# The optdigits description is not in the data files' source repository.
_EXTRA_SOURCES = {
    "uci_optdigits/optdigits.names": (
        _github(
            "logicalapple/cs7641-Supervised-Learning",
            "62f33c6bdb37797a70e2e9180a4c4bd65c11c67a",
            "optdigits.names",
        ),
        f"{_UCI}/optdigits/optdigits.names",
    ),
}

_SHA256 = {
    "fashion_mnist/t10k-images-idx3-ubyte.gz":
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "fashion_mnist/t10k-labels-idx1-ubyte.gz":
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "fashion_mnist/train-images-idx3-ubyte.gz":
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "fashion_mnist/train-labels-idx1-ubyte.gz":
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "imbalanced_learn/zenodo/x10data.npz":
        "bf6ac9536562ee51503bd6a8a27e232cfad3a30be7e3e60d9105dc0844e40fca",
    "imbalanced_learn/zenodo/x11data.npz":
        "b43b195c198551a1cde3dbbccb0fac131d44cd215bfce3452e5235cbbd4250fd",
    "imbalanced_learn/zenodo/x13data.npz":
        "9965e77274f9e10e9d1d5b0febeaee911d9b51178b319bb55554c43d5b92989f",
    "imbalanced_learn/zenodo/x14data.npz":
        "278f3858c2312cb7af2d2f3221fd2fd29fb5fead522f649c4b0bd71a20727b76",
    "imbalanced_learn/zenodo/x16data.npz":
        "b4660c3fab15a32df0f35319b59f32b922db567051501d369241195b810e21da",
    "imbalanced_learn/zenodo/x17data.npz":
        "747755eaa617bf0af2706ff21d3415f4c1771dfd53859e19fcc11b04662448fb",
    "imbalanced_learn/zenodo/x18data.npz":
        "bd42ef56879e3fa0ccb8375aed0119dfc730de20f75cb0ec62865ba616df69ee",
    "imbalanced_learn/zenodo/x19data.npz":
        "90371d46ac4c40742a37f714018421594a894c299d9f10bc7004f09876ba09c9",
    "imbalanced_learn/zenodo/x1data.npz":
        "126f2ec169536858333f98f5d80663e9f066d931cdd302f16941fc25a274ca8b",
    "imbalanced_learn/zenodo/x20data.npz":
        "fc91649b81e511ed896f8c2eb6ba072b3a6cc4c19da962512241ca557e085cb6",
    "imbalanced_learn/zenodo/x21data.npz":
        "5508d65b0d49c3dd9d845ed453047f5db2c61fc4b38fdc32c53513b132de5e90",
    "imbalanced_learn/zenodo/x22data.npz":
        "d6e541d50376f3c9720151125db68c8ba743fff74773b06318674fa748494bd4",
    "imbalanced_learn/zenodo/x24data.npz":
        "e59a0073db7dc4b2f7d58c7b25ba9581f20e1dcea2c4703b79927a61e4504ef9",
    "imbalanced_learn/zenodo/x25data.npz":
        "73480c315d42bc5b33c2c73b9078d0034113d26f0511facd9fc5bb07f2d6438a",
    "imbalanced_learn/zenodo/x27data.npz":
        "76122e2fafcd4c8cc272154c97d8d4c0f363e82e98bb493f116110f74c2ee3fc",
    "imbalanced_learn/zenodo/x2data.npz":
        "6c492eb49a32a79ad8948d6764ae04381af8a7ceb5883c38d4facf3022a406b6",
    "imbalanced_learn/zenodo/x3data.npz":
        "06b3c247db5900d4c02a64e28188d7d6b3758019d06eb37db1dc3635d9f82253",
    "imbalanced_learn/zenodo/x4data.npz":
        "ce7affeab9461c0ec366c123bc6f88d2d9286ede43869594e031b3910609c78f",
    "imbalanced_learn/zenodo/x5data.npz":
        "660fbf73a93cfbd9cbdf3091827c5ea1986fbae4f833c52795b218224cecfeaf",
    "imbalanced_learn/zenodo/x6data.npz":
        "71f7e5be4aaaf14bacf7940c776eca5e28142fc9e8df968aa92ab45179d59764",
    "imbalanced_learn/zenodo/x7data.npz":
        "c8d4249f09c832089474606b09a0d3a3900265634951afea1bd0b593ea2bf852",
    "imbalanced_learn/zenodo/x8data.npz":
        "8da506a8d480473fbbcce6d6e0534246de40a3fa9261d3b740164a32499df10a",
    "mnist/t10k-images-idx3-ubyte.gz":
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "mnist/t10k-labels-idx1-ubyte.gz":
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    "mnist/train-images-idx3-ubyte.gz":
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "mnist/train-labels-idx1-ubyte.gz":
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "uci_coil2000/ticdata2000.txt":
        "f6a7fe083ccedb3776bc30f5e000bdd34bfd25f625d2b4672f84afa6b70cb178",
    "uci_coil2000/ticeval2000.txt":
        "880f3b7dbc1174ddd10e7a20ef1e4bc3a8e345400d4b553744c5ef0c71493837",
    "uci_coil2000/tictgts2000.txt":
        "42274a9b6d1ced5fcb35e2c103869060118ceaa7e5c5fac1a652e1f1a5806da8",
    "uci_image_segmentation/segmentation.data":
        "b4226a708f25d44fbbe4eae36f0d66326bc46393534c2a0d2b9267ae1302002f",
    "uci_image_segmentation/segmentation.names":
        "af695cf6bb1f8616b37c7fbc169940f18a30d3c7f7356e49d4d6015757fe17e3",
    "uci_image_segmentation/segmentation.test":
        "3b5aa7c3559fdc3a165e97d321809b81292084adfc112645e250d90321203685",
    "uci_optdigits/optdigits.names":
        "3e82f7202d72a2b7dbdbc324c8c90fe8853164f5d6ab978a071357ad3de89f02",
    "uci_optdigits/optdigits.tes":
        "85f89a0333cbbcf5b1a42f3d4d74013ee35f5e44dbeb5f9b54f78ce5b4f94910",
    "uci_optdigits/optdigits.tra":
        "e1b683cc211604fe8fd8c4417e6a69f31380e0c61d4af22e93cc21e9257ffedd",
    "uci_ozone/eighthr.data":
        "0c10d1e216db3249c565e3ed5474302032067f6df0ea6fd49e6f06ec061f83a9",
    "uci_statlog_landsat/sat.trn":
        "6da888aa398f4dd56a85bb7114f7206896a360b7af1d790450f64dbdb8493fc5",
    "uci_statlog_landsat/sat.tst":
        "0045be0391420a35a69e8d2b0a4ff4b032a4aa03feebba0d89b9aa3e2d42c212",
    "usps_zip/zip.test.gz":
        "8dacc3c6e136af6c3488de9e5113a7daf140c8c2f1f0b61c54ee02f03f1a962f",
    "usps_zip/zip.train.gz":
        "66ebf231ab51f2cf6ac1a892d0f98ccffee1079d7a5db638c1f11f366046ca16",
}


def _urls(path):
    folder, name = path.rsplit("/", 1)
    if path in _EXTRA_SOURCES:
        return _EXTRA_SOURCES[path]
    return tuple(source(name) for source in _SOURCES[folder])


FILES = {path: RemoteFile(path, sha256, _urls(path)) for path, sha256 in _SHA256.items()}
