"""The Sphinx documentation builds offline without warnings, and says what the code does.

The fast build (default run) renders the gallery without running the examples;
the full build (``slow``) runs every example in its small mode, as ``make docs``
does. Both build from a copy of ``docs/`` and ``examples/``, so the generated
pages never land in the source tree.
"""

import ast
import importlib
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import REPO_ROOT, shared_data_home

EXAMPLES = sorted((REPO_ROOT / "examples").glob("*.py"))
PUBLIC_MODULES = [
    "imbnn.estimators", "imbnn.thresholds", "imbnn.losses", "imbnn.networks",
    "imbnn.samplers", "imbnn.metrics", "imbnn.datasets", "imbnn.model_selection",
    "imbnn.benchmark", "imbnn.plotting",
]


def _sphinx(tmp_path, builder, *options):
    for extension in ("sphinx", "numpydoc", "myst_parser", "sphinx_gallery", "pydata_sphinx_theme"):
        pytest.importorskip(extension)
    source = tmp_path / "repo"
    shutil.copytree(
        REPO_ROOT / "docs", source / "docs",
        ignore=shutil.ignore_patterns("_build", "generated", "auto_examples"),
    )
    shutil.copytree(REPO_ROOT / "examples", source / "examples",
                    ignore=shutil.ignore_patterns("example_benchmark"))
    out = tmp_path / builder
    # The copy is not beside ../shared/data: name the data home conf.py would find.
    env = dict(os.environ)
    if shared_data_home() is not None:
        env.setdefault("IMBNN_DATA", str(shared_data_home()))
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", builder,
         *options, "-d", str(tmp_path / "doctrees"), str(source / "docs"), str(out)],
        capture_output=True, text=True, timeout=1200, env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.mark.parametrize("builder", ["html", "doctest"])
def test_docs_build_without_warnings(tmp_path, builder):
    out = _sphinx(tmp_path, builder, "-D", "plot_gallery=0")
    if builder == "html":
        # One page per public class and function, and one per example.
        assert (out / "generated" / "imbnn.estimators.AUMClassifier.html").is_file()
        for example in EXAMPLES:
            assert (out / "auto_examples" / f"{example.stem}.html").is_file(), example.name
        page = (out / "generated" / "imbnn.estimators.NetClassifier.html").read_text()
        for method in ("fit", "predict_proba", "decision_function"):
            assert f"NetClassifier.{method}" in page, method


@pytest.mark.slow
def test_gallery_runs_every_example_with_its_figures(tmp_path, monkeypatch):
    """The full build: every example runs (small mode) and shows its figures.

    An example whose data set is absent is shown without output (docs/conf.py);
    the others must each leave at least one figure on their page.
    """
    conf = ast.parse((REPO_ROOT / "docs" / "conf.py").read_text())
    examples_data = next(
        ast.literal_eval(node.value) for node in conf.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "EXAMPLES_DATA"
    )
    home = shared_data_home()
    missing = {
        name for name, folders in examples_data.items()
        if home is None or not all((home / folder).is_dir() for folder in folders)
    }
    out = _sphinx(tmp_path, "html")
    for example in EXAMPLES:
        if example.name in missing:
            continue
        source = example.read_text()
        if "plt.show()" in source or "imbnn.plotting" in source:
            images = list((out / "_images").glob(f"sphx_glr_{example.stem}_*.png"))
            assert images, f"{example.name} shows no figure"


def _public_names():
    for module_name in PUBLIC_MODULES:
        if module_name == "imbnn.plotting":
            pytest.importorskip("matplotlib")
        module = importlib.import_module(module_name)
        for name in module.__all__:
            yield module_name, name


def test_api_reference_lists_every_public_name():
    """Each name in a public module's ``__all__`` is in docs/api.rst under its module."""
    api = (REPO_ROOT / "docs" / "api.rst").read_text()
    sections = dict(
        (match.group(1), match.end())
        for match in re.finditer(r"^\.\. currentmodule:: (\S+)$", api, flags=re.M)
    )
    missing = []
    for module_name, name in _public_names():
        start = sections.get(module_name)
        following = [end for end in sections.values() if start is not None and end > start]
        section = api[start : min(following, default=len(api))] if start is not None else ""
        listed = rf"^\s+{re.escape(name)}$|^\.\. (auto)?data:: {re.escape(name)}$"
        if not re.search(listed, section, re.M):
            missing.append(f"{module_name}.{name}")
    assert not missing, f"not in docs/api.rst: {missing}"


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_tells_its_story(example):
    """Each example opens with a gallery title, the problem, what to look at, the result."""
    docstring = ast.get_docstring(ast.parse(example.read_text()))
    assert docstring, "no module docstring"
    title, underline = docstring.splitlines()[:2]
    assert title and set(underline) == {"="} and len(underline) >= len(title)
    for part in ("**The problem.**", "**What to look at.**", "**What it shows.**"):
        assert part in docstring, f"{example.name} lacks {part}"


def test_readme_example_runs(tmp_path, monkeypatch, capsys):
    """The README's Python example runs offline as it stands and prints what the README says."""
    readme = (REPO_ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert blocks, "README has no Python example"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    exec(compile(blocks[0], "README.md", "exec"), {"__name__": "__main__"})
    printed = capsys.readouterr().out.strip()
    # The output the README quotes after the example is the one it prints (fits are seeded).
    quoted = re.search(r"It prints.*?\n\n```\n(.*?)\n```", readme, flags=re.S).group(1)
    assert printed == quoted.strip(), f"README quotes\n{quoted}\nbut the example prints\n{printed}"


def test_readme_commands_are_the_documented_ones():
    """The README's two set-up commands install what the tests and docs import."""
    readme = (REPO_ROOT / "README.md").read_text()
    commands = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.S)
    assert any(c.endswith(".venv/bin/imbnn benchmark") and '".[plot]"' in c for c in commands)
    assert any(c.endswith(".venv/bin/python -m pytest") and '".[dev]"' in c for c in commands)
    import tomllib

    extras = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    dev = " ".join(extras["dev"])
    for package in ("sphinx", "numpydoc", "myst-parser", "pydata-sphinx-theme", "sphinx-gallery",
                    "matplotlib", "pytest"):
        assert package in dev, package


@pytest.mark.parametrize(
    "module_name, constant",
    [("imbnn.losses", "LOSSES"), ("imbnn.metrics", "SCORERS"),
     ("imbnn.datasets", "IMBALANCED_LEARN_DATASETS"), ("imbnn.benchmark", "ESTIMATORS")],
)
def test_api_reference_names_every_registered_name(module_name, constant):
    """The registries' names (losses, scorers, data sets, benchmark estimators) are all listed."""
    api = (REPO_ROOT / "docs" / "api.rst").read_text()
    names = getattr(importlib.import_module(module_name), constant)
    # "<name>_tuned" variants are documented as one rule.
    missing = [
        name for name in names
        if f"``{name}``" not in api and f'``"{name}"``' not in api
        and not (name.endswith("_tuned") and "``<name>_tuned``" in api)
    ]
    assert not missing, f"{module_name}.{constant} names missing from docs/api.rst: {missing}"
