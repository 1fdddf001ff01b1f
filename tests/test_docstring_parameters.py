"""The numpydoc docstrings of the public API list the parameters their code accepts.

As imbalanced-learn's and scikit-learn's test_docstring_parameters: for every public
class (its constructor and its public methods) and function, the names in the
docstring's ``Parameters`` section equal the parameters of the signature, in order.
Where the signature ends in ``**kwargs`` that are forwarded (imbnn's estimators pass
them to the base network), the explicit parameters come first and the forwarded
ones may follow. Every public class (exceptions apart) and function also has an
``Examples`` section.
"""

import importlib
import inspect

import pytest

numpydoc_docscrape = pytest.importorskip("numpydoc.docscrape")

PUBLIC_MODULES = [
    "imbnn.estimators",
    "imbnn.thresholds",
    "imbnn.losses",
    "imbnn.networks",
    "imbnn.samplers",
    "imbnn.metrics",
    "imbnn.datasets",
    "imbnn.model_selection",
    "imbnn.benchmark",
    "imbnn.plotting",
]

# Methods that are the public API of a class when it has them (as in docs/conf.py).
API_METHODS = {
    "fit", "partial_fit", "predict", "predict_proba", "predict_log_proba",
    "decision_function", "transform", "fit_transform", "score", "forward", "split",
    "get_n_splits", "run",
}
# skorch's training hooks and scikit-learn's generated setters: overridden, not called
# by users, documented by skorch and scikit-learn.
HOOKS = {
    "initialize", "initialize_module", "initialize_criterion", "get_default_callbacks",
    "get_dataset", "get_split_datasets", "get_iterator", "get_loss", "on_train_begin",
    "train_step_single", "on_epoch_end",
}


def _public_objects():
    for module_name in PUBLIC_MODULES:
        if module_name == "imbnn.plotting":
            pytest.importorskip("matplotlib")
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                yield module_name, name, obj


def _cases():
    """(id, callable, docstring source, owner) for constructors, methods and functions."""
    cases = []
    for module_name, name, obj in _public_objects():
        if inspect.isfunction(obj):
            cases.append((f"{module_name}.{name}", obj, obj, module_name))
            continue
        # A class without its own constructor (a torch module or skorch callback
        # with no options) takes no parameters, whatever its base accepts.
        definer = next(klass for klass in obj.__mro__ if "__init__" in vars(klass))
        own_init = definer.__module__.startswith("imbnn")
        constructor = obj.__init__ if own_init else _no_parameters
        cases.append((f"{module_name}.{name}", constructor, obj, module_name))
        for method_name, method in vars(obj).items():
            public = not method_name.startswith("_") and method_name not in HOOKS
            if public and inspect.isfunction(method) and not method_name.startswith("set_"):
                if method_name in API_METHODS or method.__module__.startswith("imbnn"):
                    case_id = f"{module_name}.{name}.{method_name}"
                    cases.append((case_id, method, method, module_name))
    return cases


def _no_parameters(self):
    pass


def _documented(doc_source):
    doc = inspect.getdoc(doc_source) or ""
    sections = numpydoc_docscrape.NumpyDocString(doc)
    names = []
    for parameter in sections["Parameters"]:
        names.extend(part.strip().lstrip("*") for part in parameter.name.split(","))
    return names


def _accepted(function):
    parameters = list(inspect.signature(function).parameters.values())
    if parameters and parameters[0].name in ("self", "cls"):
        parameters = parameters[1:]
    explicit = [p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    var_positional = [p.name for p in parameters if p.kind is p.VAR_POSITIONAL]
    forwards = any(p.kind is p.VAR_KEYWORD for p in parameters)
    return explicit, var_positional, forwards


CASES = _cases()


@pytest.mark.parametrize(
    "function, doc_source",
    [pytest.param(f, d, id=case_id) for case_id, f, d, _ in CASES],
)
def test_docstring_parameters_match_signature(function, doc_source):
    documented = _documented(doc_source)
    explicit, var_positional, forwards = _accepted(function)
    accepted = explicit + var_positional
    if forwards:
        assert documented[: len(accepted)] == accepted, (
            f"Parameters section lists {documented}; the signature starts with {accepted} "
            "(document them first, in order, then the forwarded keyword arguments)."
        )
    else:
        assert documented == accepted, (
            f"Parameters section lists {documented}; the signature accepts {accepted}. "
            f"Missing: {sorted(set(accepted) - set(documented))}; "
            f"not accepted: {sorted(set(documented) - set(accepted))}."
        )


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(obj, id=f"{module}.{name}")
        for module, name, obj in _public_objects()
        # Exceptions are raised, not called: their docstring says when.
        if not (inspect.isclass(obj) and issubclass(obj, Exception))
    ],
)
def test_public_docstring_has_an_example(obj):
    sections = numpydoc_docscrape.NumpyDocString(inspect.getdoc(obj) or "")
    assert sections["Summary"], "no summary line"
    assert any(line.lstrip().startswith(">>>") for line in sections["Examples"]), (
        "no Examples section with a runnable example (>>> lines)"
    )


def test_checks_catch_a_wrong_docstring():
    """The checks above fail on a docstring that lists a parameter the code lacks."""

    def wrong(a, b=1):
        """Summary.

        Parameters
        ----------
        a : int
        c : int
        """

    def forwarding(a, **kwargs):
        """Summary.

        Parameters
        ----------
        a : int
        lr : float
            Forwarded.
        """

    assert _documented(wrong) == ["a", "c"]
    assert _accepted(wrong) == (["a", "b"], [], False)
    assert _accepted(forwarding) == (["a"], [], True)
    assert _documented(forwarding)[:1] == ["a"]
