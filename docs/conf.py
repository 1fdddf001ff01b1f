"""Sphinx configuration: builds offline, warnings are errors in CI (sphinx -W)."""

import imbnn

project = "imbnn"
author = "imbnn developers"
release = imbnn.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
autosummary_generate = True
# scikit-learn generates set_*_request methods whose docstrings cite its own glossary.
autodoc_default_options = {
    "members": True,
    "inherited-members": False,
    "exclude-members": "score," + ",".join(
        f"set_{method}_request" for method in ("fit", "partial_fit", "predict", "score")
    ),
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# skorch and torch document their own classes; imbnn does not rebuild their references.
numpydoc_xref_param_type = False
suppress_warnings = ["myst.header"]
html_theme = "alabaster"
html_static_path = []
templates_path = ["_templates"]
# No intersphinx: the build must work without network.
