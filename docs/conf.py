"""Sphinx configuration: builds offline, warnings are errors in CI (sphinx -W).

The gallery runs the scripts of ``examples/`` in their small mode
(``IMBNN_EXAMPLE_SMALL=1``). Examples that read a real data set run only when its
folder is in the data home (``IMBNN_DATA``, else ``../shared/data`` beside the
repository); otherwise the gallery shows their code without output, and their
text says which data they need. ``sphinx-build -D plot_gallery=0`` renders the
gallery without running anything (the fast build of the test suite).
"""

import os
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent

os.environ.setdefault("IMBNN_EXAMPLE_SMALL", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
if not os.environ.get("IMBNN_DATA") and (REPO.parent / "shared" / "data").is_dir():
    os.environ["IMBNN_DATA"] = str(REPO.parent / "shared" / "data")

import torch  # noqa: E402

import sys  # noqa: E402

sys.path.insert(0, str(DOCS / "_ext"))

import imbnn  # noqa: E402  (after the environment it reads)
from imbnn.datasets import get_data_home  # noqa: E402

project = "imbnn"
author = "imbnn developers"
copyright = "imbnn developers"
release = imbnn.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_ext", "**/*.inc.rst", "auto_examples/*.ipynb"]
autosummary_generate = True
# The class template (_templates/autosummary/class.rst) lists these methods when a
# class has them, inherited or not, and its own other public methods except
# skorch's training hooks and scikit-learn's metadata-routing setters. ``score``
# appears only where imbnn defines it: scikit-learn's docstring of it links into
# scikit-learn's own documentation.
autosummary_context = {
    "api_methods": [
        "fit", "partial_fit", "predict", "predict_proba", "predict_log_proba",
        "decision_function", "transform", "fit_transform", "forward",
        "split", "get_n_splits", "run",
    ],
    "hidden_methods": [
        "initialize", "initialize_module", "initialize_criterion", "get_default_callbacks",
        "get_dataset", "get_split_datasets", "get_iterator", "get_loss", "on_train_begin",
        "train_step_single", "on_epoch_end",
    ] + [f"set_{method}_request" for method in ("fit", "partial_fit", "predict", "score", "split")],
}
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# skorch and torch document their own classes; imbnn does not rebuild their references.
numpydoc_xref_param_type = False
suppress_warnings = ["myst.header"]
templates_path = ["_templates"]
# No intersphinx: the build must work without network.

# -- HTML: the theme of scikit-learn and imbalanced-learn -------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"imbnn {release}"
html_static_path = ["_static"]
html_css_files = ["imbnn.css"]
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "header_links_before_dropdown": 6,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"index": [], "quickstart": [], "benchmarks": []}

# -- Gallery ---------------------------------------------------------------------
# Example script -> the data home folders it reads.
EXAMPLES_DATA = {
    "plot_alm_roc.py": ["fashion_mnist"],
    "plot_aum_vs_weighted_cross_entropy.py": ["mnist"],
    "plot_remix_reliability.py": ["uci_coil2000"],
    "plot_sparse_pipeline.py": ["uci_coil2000"],
    "plot_tuned_thresholds.py": ["uci_optdigits"],
}
# One torch thread per example: on a loaded machine more threads than free cores
# make convolutions many times slower.
torch.set_num_threads(1)
_home = get_data_home()
_missing = sorted(
    name
    for name, folders in EXAMPLES_DATA.items()
    if not all((_home / folder).is_dir() for folder in folders)
)
# Run every example except those whose data is missing.
_executed = r"/(?!(%s)$)[^/]+\.py$" % "|".join(re.escape(name) for name in _missing or ["-"])




sphinx_gallery_conf = {
    "examples_dirs": str(REPO / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": _executed,
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "show_memory": False,
    "show_signature": False,
    "capture_repr": (),
    "matplotlib_animations": False,
    # A name, not the function: Sphinx caches only picklable configuration values.
    "image_scrapers": ("gallery_figures.figure_scraper",),
    # "Examples using X" on each API page.
    "doc_module": ("imbnn",),
    "backreferences_dir": "generated/backreferences",
    "min_reported_time": 1,
}
