"""Where data files live, and how a missing one is downloaded and checked."""

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

__all__ = ["get_data_home", "RemoteFile", "fetch_file"]

# Downloads give up after this many seconds without data, so that a machine
# without network fails quickly with the "put the file here" message.
_DOWNLOAD_TIMEOUT = 30


def get_data_home(data_home=None):
    """The folder imbnn reads data files from (and downloads missing ones into).

    In order: the ``data_home`` argument, the ``IMBNN_DATA`` environment variable,
    then a per-user cache folder (``$XDG_CACHE_HOME/imbnn``, by default
    ``~/.cache/imbnn``). The folder is not created here.

    Parameters
    ----------
    data_home : str or path-like, default=None

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> from imbnn.datasets import get_data_home
    >>> str(get_data_home("/tmp/my_data"))
    '/tmp/my_data'
    """
    if data_home is None:
        data_home = os.environ.get("IMBNN_DATA") or None
    if data_home is None:
        cache = os.environ.get("XDG_CACHE_HOME") or Path("~/.cache").expanduser()
        data_home = Path(cache) / "imbnn"
    return Path(data_home).expanduser()


@dataclass(frozen=True)
class RemoteFile:
    """A data file: its path under the data home, its sha256 and where to download it.

    ``urls`` are tried in order; the first whose bytes have the expected sha256 wins.
    """

    path: str
    sha256: str
    urls: tuple

    def __post_init__(self):
        if isinstance(self.urls, str):
            object.__setattr__(self, "urls", (self.urls,))


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_file(remote, data_home=None, download_if_missing=True):
    """Local path of ``remote``, downloading and verifying it first when it is missing.

    Parameters
    ----------
    remote : RemoteFile
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    download_if_missing : bool, default=True

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        The file is missing and could not be downloaded (no network, or every
        source failed); the message names the file, its sources and where to put it.
    """
    home = get_data_home(data_home)
    target = home / remote.path
    if target.is_file():
        return target
    put_it = (
        f"save it (sha256 {remote.sha256}) as {target}, or point data_home / the IMBNN_DATA "
        f"environment variable at a folder that holds {remote.path}."
    )
    if not download_if_missing:
        raise FileNotFoundError(
            f"Data file {remote.path} is missing from {home}. Download it from "
            f"{' or '.join(remote.urls)} and {put_it}"
        )
    failures = []
    for url in remote.urls:
        try:
            _download(url, target, remote.sha256)
            return target
        except (OSError, urllib.error.URLError, ValueError) as error:
            failures.append(f"{url}: {error}")
    raise FileNotFoundError(
        f"Data file {remote.path} is missing from {home} and could not be downloaded "
        f"({'; '.join(failures)}). Download it by other means and {put_it}"
    )


def _download(url, target, sha256):
    """Download ``url`` to ``target`` via a temporary file, kept only if its sha256 matches."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    try:
        with (
            os.fdopen(handle, "wb") as out,
            urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT) as response,
        ):
            shutil.copyfileobj(response, out)
        got = _sha256(temporary)
        if got != sha256:
            raise ValueError(f"sha256 mismatch: expected {sha256}, got {got}")
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
