"""The public API's docstrings document what the code has, and their examples run.

Public means the names in ``nnfast.__all__`` and in the ``__all__`` of
nnfast.metrics, nnfast.inspection, nnfast.plot, nnfast.schedules,
nnfast.persistence and nnfast.exceptions, and the public methods those classes
define. Each has a docstring, and each of its parameters is an entry of the
numpydoc "Parameters" section (a constructor's, by numpydoc's convention, in the
class docstring; a dataclass's fields may be documented under "Attributes"
instead, since they are both). An entry naming no parameter fails too: it is a
parameter that was renamed or removed. The estimators' "Attributes" sections
list exactly the fitted attributes that ``fit`` sets, over the solvers and
options that set different ones. Every ``>>>`` example in nnfast's docstrings
runs and prints what it shows.
"""

import dataclasses
import doctest
import importlib
import importlib.util
import inspect
import io
import re

import pytest
from sklearn.datasets import load_iris

from nnfast import HiddenLayerTransformer, MLPClassifier, MLPRegressor, Perceptron

MODULES = ["nnfast", "nnfast.metrics", "nnfast.inspection", "nnfast.schedules",
           "nnfast.persistence", "nnfast.exceptions"]
if importlib.util.find_spec("matplotlib") is not None:  # nnfast.plot needs it
    MODULES.append("nnfast.plot")

UNDERLINE = re.compile(r"-{3,}")
# "name : type", "name", "*args", "beta_1, beta_2 : float"
ENTRY = re.compile(r"(\*{0,2}\w+(?:\s*,\s*\*{0,2}\w+)*)\s*(?::.*)?")


def section_names(doc, title):
    """The names the numpydoc section ``title`` of ``doc`` documents, in order."""
    lines = inspect.cleandoc(doc or "").splitlines()
    names = []
    for i in range(len(lines) - 1):
        if lines[i].strip() != title or not UNDERLINE.fullmatch(lines[i + 1].strip()):
            continue
        indent = len(lines[i]) - len(lines[i].lstrip())
        body = lines[i + 2:]
        for j, line in enumerate(body):
            if j + 1 < len(body) and UNDERLINE.fullmatch(body[j + 1].strip()):
                break  # the next section's title
            if not line.strip() or len(line) - len(line.lstrip()) != indent:
                continue  # a description or a type continued on the next line
            entry = ENTRY.fullmatch(line.strip())
            assert entry, f"not a numpydoc entry in {title}: {line.strip()!r}"
            names += [name.strip().lstrip("*") for name in entry.group(1).split(",")]
    return names


def signature_names(function):
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # builtins without a signature
        return []
    return [name for name in signature.parameters if name not in ("self", "cls")]


def undocumented_and_stale(function, doc, also=()):
    """(parameters not in the Parameters section, entries naming no parameter)."""
    entries = section_names(doc, "Parameters")
    documented = entries + [name for title in also for name in section_names(doc, title)]
    parameters = signature_names(function)
    return ([p for p in parameters if p not in documented],
            [d for d in entries if d not in parameters])


def defined_in_nnfast(obj):
    return getattr(obj, "__module__", "").split(".")[0] == "nnfast"


def public_api():
    """(label, object, docstring, function whose parameters it documents, also)
    for every public class, constructor, function and method, each object once."""
    found, seen = [], set()

    def add(label, obj, doc, function, also=()):
        if id(obj) not in seen:
            seen.add(id(obj))
            found.append((label, obj, doc, function, also))

    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.ismodule(obj) or not callable(obj):
                continue
            label = f"{module_name}.{name}"
            if not inspect.isclass(obj):
                add(label, obj, obj.__doc__, obj)
                continue
            owner = next(k for k in obj.__mro__ if "__init__" in vars(k))
            # a constructor nnfast wrote; exceptions keep BaseException's
            constructor = obj if defined_in_nnfast(owner) else None
            also = ("Attributes",) if dataclasses.is_dataclass(obj) else ()
            add(label, obj, obj.__doc__, constructor, also)  # __doc__ of a class is its own
            for klass in obj.__mro__:
                if not defined_in_nnfast(klass):
                    continue
                for method_name in vars(klass):
                    method = getattr(obj, method_name, None)
                    # scikit-learn adds its own set_*_request methods to the class
                    if method_name.startswith("_") or not callable(method) \
                            or inspect.isclass(method) or not defined_in_nnfast(method):
                        continue
                    # getdoc: an override without its own docstring shows the base's
                    add(f"{label}.{method_name}", vars(klass)[method_name],
                        inspect.getdoc(method), method)
    return found


API = public_api()
IDS = [entry[0] for entry in API]
# Exceptions and schedules without settings keep a constructor nnfast did not write.
WITH_PARAMETERS = [entry for entry in API if entry[3] is not None]


def test_the_api_is_found():
    labels = set(IDS)
    for expected in ("nnfast.MLPClassifier", "nnfast.MLPClassifier.fit",
                     "nnfast.MLPClassifier.predict_proba", "nnfast.MLPRegressor.partial_fit",
                     "nnfast.Perceptron.decision_function", "nnfast.lr_find", "nnfast.save",
                     "nnfast.metrics.f1_score", "nnfast.schedules.Cosine",
                     "nnfast.schedules.Schedule.rate", "nnfast.inspection.summary",
                     "nnfast.exceptions.VanishingGradientWarning"):
        assert expected in labels, f"{expected} is not among the public objects checked"


@pytest.mark.parametrize("label, obj, doc, function, also", API, ids=IDS)
def test_has_a_docstring(label, obj, doc, function, also):
    assert doc and doc.strip(), f"{label} has no docstring"


@pytest.mark.parametrize("label, obj, doc, function, also", WITH_PARAMETERS,
                         ids=[entry[0] for entry in WITH_PARAMETERS])
def test_parameters_are_documented(label, obj, doc, function, also):
    missing, stale = undocumented_and_stale(function, doc, also)
    assert not missing, f"{label}: parameters missing from its Parameters section: {missing}"
    assert not stale, f"{label}: Parameters section entries that are no parameter: {stale}"


def test_the_check_catches_an_undocumented_parameter():
    def function(X, y, *, alpha=1.0, **kwargs):
        """Do something.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Data.
        beta, y : float
            Renamed.
        **kwargs : dict
            More.

        Returns
        -------
        alpha : float
            Not a parameter entry.
        """

    assert undocumented_and_stale(function, function.__doc__) == (["alpha"], ["beta"])


def fitted_attributes(estimator):
    return {name for name in vars(estimator) if name.endswith("_") and not name.startswith("_")}


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor, Perceptron,
                                       HiddenLayerTransformer], ids=lambda c: c.__name__)
def test_attributes_sections_list_the_fitted_attributes(estimator):
    pd = pytest.importorskip("pandas")  # feature_names_in_ needs named columns
    X, y = load_iris(return_X_y=True)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    small = dict(hidden_layer_sizes=(3,), max_iter=3, random_state=0)
    if estimator is Perceptron:
        fits = [Perceptron(max_iter=3).fit(frame, y)]
    elif estimator is HiddenLayerTransformer:
        fits = [HiddenLayerTransformer(MLPClassifier(**small)).fit(frame, y)]
    else:
        fits = [estimator(solver=solver, early_stopping=early, **small).fit(frame, y)
                for solver in ("adam", "sgd", "lbfgs") for early in (False, True)]
        fits.append(estimator(**small).fit(X, y, validation_data=(X, y)))
    set_by_fit = set().union(*(fitted_attributes(model) for model in fits))
    documented = set(section_names(estimator.__doc__, "Attributes"))
    assert set_by_fit <= documented, (
        f"{estimator.__name__}: fitted attributes missing from its Attributes section: "
        f"{sorted(set_by_fit - documented)}")
    assert documented <= set_by_fit, (
        f"{estimator.__name__}: Attributes entries that fit never sets: "
        f"{sorted(documented - set_by_fit)}")


def docstring_examples():
    modules = {importlib.import_module(name) for name in MODULES}
    modules |= {inspect.getmodule(function) for _, _, _, function, _ in WITH_PARAMETERS}
    tests = [test for module in sorted(modules, key=lambda m: m.__name__)
             for test in doctest.DocTestFinder().find(module) if test.examples]
    return sorted(tests, key=lambda test: test.name)


EXAMPLES = docstring_examples()


def test_the_estimators_have_examples():
    names = {test.name.rsplit(".", 1)[-1] for test in EXAMPLES}
    for expected in ("MLPClassifier", "MLPRegressor", "Perceptron", "HiddenLayerTransformer"):
        assert expected in names, f"{expected}'s docstring has no Examples to run"


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("test", EXAMPLES, ids=[test.name for test in EXAMPLES])
def test_docstring_examples_run(test):
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    result = runner.run(test, out=report.write, clear_globs=True)
    assert result.failed == 0, (
        f"{test.name}: {result.failed} example(s) failed\n{report.getvalue()}")
