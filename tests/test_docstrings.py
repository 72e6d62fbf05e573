"""The estimators' docstrings: the Parameters section is written from the parameter table
(silva/_params.py, ``document_params``) and matches ``__init__``; the Examples run; the docstrings render.

Every public estimator class is checked: those registered in ``silva._registry`` (the classes a model
file may hold), which are the classes ``silva.__all__`` exports.
"""
import ast
import doctest
import inspect
import pydoc
import re
import warnings

import pytest
from sklearn.base import BaseEstimator, RegressorMixin

import silva
from silva import _params as P
from silva._registry import model_classes

ESTIMATORS = list(model_classes().values())
SECTIONS = ["Parameters", "Attributes", "Examples"]


def test_the_registry_is_the_public_estimators():
    exported = {name for name in silva.__all__ if isinstance(getattr(silva, name), type)}
    assert set(model_classes()) == exported
    assert all(getattr(silva, name) is cls for name, cls in model_classes().items())


def _init_params(cls):
    return {n: p.default for n, p in inspect.signature(cls.__init__).parameters.items() if n != "self"}


def _sections(doc):
    """{title: [lines]} of a cleaned numpydoc docstring, in order (the summary under "")."""
    lines = inspect.cleandoc(doc).splitlines()
    out, title = {"": []}, ""
    i = 0
    while i < len(lines):
        if (i + 1 < len(lines) and lines[i] and set(lines[i + 1]) == {"-"}
                and len(lines[i + 1]) == len(lines[i])):
            title = lines[i]
            assert title not in out, f"section {title} twice"
            out[title] = []
            i += 2
            continue
        out[title].append(lines[i])
        i += 1
    return out


def _entries(lines):
    """[(name, type, default text, description)] of a Parameters section's lines."""
    entries = []
    for line in lines:
        if not line.strip():
            continue
        if not line.startswith(" "):
            name, _, rest = line.partition(" : ")
            typ, sep, default = rest.rpartition(", default=")
            assert sep, f"{line!r}: no default shown"
            entries.append([name, typ, default, []])
        else:
            entries[-1][3].append(line.strip())
    return [(name, typ, default, " ".join(text)) for name, typ, default, text in entries]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_parameters_section_is_the_table_for_init(cls):
    sections = _sections(cls.__doc__)
    assert [t for t in sections if t] == SECTIONS, f"{cls.__name__}: sections {list(sections)}"
    entries = _entries(sections["Parameters"])
    init = _init_params(cls)
    # exactly the __init__ parameters, in order, each once
    assert [e[0] for e in entries] == list(init)
    model, task, cls_name = P._context(cls)
    for name, typ, default_text, text in entries:
        # the default shown is the __init__ default (value and type)
        shown = ast.literal_eval(default_text)
        assert type(shown) is type(init[name]) and shown == init[name], \
            f"{cls.__name__}.{name}: docs say default={default_text}, __init__ has {init[name]!r}"
        # type and text are the table's, resolved for this class (no "Classifiers: ... Regressors: ...")
        p = P.PARAMS[name]
        table_type = P._resolve(p.type, model, task, cls_name)
        table_doc = P._resolve(p.doc, model, task, cls_name)
        assert isinstance(table_type, str) and isinstance(table_doc, str), (cls.__name__, name)
        assert typ == table_type, (cls.__name__, name)
        want = table_doc
        if p.aliases:
            want += " " + P._alias_text(p.aliases)
            assert all(f"``{alias}``" in text for alias in p.aliases)
        assert text == " ".join(want.split()), f"{cls.__name__}.{name}: docs differ from the table"
    # the section is param_docs' text, verbatim
    assert P.param_docs(cls) in cls.__doc__


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_summary_attributes_and_examples_kept(cls):
    sections = _sections(cls.__doc__)
    assert sections[""][0].strip(), f"{cls.__name__}: no summary line"
    assert any(line.strip() for line in sections["Attributes"])
    assert any(line.startswith(">>> ") for line in sections["Examples"])


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_docstring_cites_no_source_files(cls):
    """An installed package has no tests/ or docs/: a docstring may not send the reader there."""
    assert not re.search(r"\b(tests|docs|benchmarks)/|\b\w+\.(py|md)\b", cls.__doc__), cls.__name__


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_examples_run(cls):
    tests = doctest.DocTestFinder(recurse=False).find(cls, cls.__name__, globs={})
    assert len(tests) == 1 and tests[0].examples, f"{cls.__name__} has no examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an example must not warn either
        runner.run(tests[0])
    result = runner.summarize(verbose=False)
    assert result.failed == 0 and result.attempted == len(tests[0].examples), cls.__name__


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_help_renders(cls):
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    assert "Parameters" in text and "Examples" in text
    for name in _init_params(cls):
        assert f"{name} : " in text


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_numpydoc_parses(cls):
    docscrape = pytest.importorskip("numpydoc.docscrape")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        doc = docscrape.NumpyDocString(cls.__doc__)
    params = doc["Parameters"]
    assert [p.name for p in params] == list(_init_params(cls))
    for p in params:
        assert p.type.endswith(f"default={P.param_entry(p.name, *P._context(cls))[1]}")
        assert " ".join(p.desc) == P.param_entry(p.name, *P._context(cls))[2]
    assert doc["Examples"] and doc["Attributes"] is not None and doc["Summary"]


# ------------------------------------------------------------------ the decorator itself

class _Toy(RegressorMixin, BaseEstimator):
    """A toy GBDT regressor.

    Examples
    --------
    >>> _Toy().tol
    0.0001
    """

    _param_model = "gbdt"

    def __init__(self, alpha=0.9, tol=1e-4):
        self.alpha = alpha
        self.tol = tol


def test_document_params_inserts_before_the_first_section():
    cls = P.document_params(type("Toy", (_Toy,), {"__doc__": _Toy.__doc__}))
    sections = _sections(cls.__doc__)
    assert [t for t in sections if t] == ["Parameters", "Examples"]
    assert [e[0] for e in _entries(sections["Parameters"])] == ["alpha", "tol"]
    assert sections[""] == ["A toy GBDT regressor.", ""]


def test_document_params_without_sections_and_without_docstring():
    cls = P.document_params(type("Toy", (_Toy,), {"__doc__": "A toy."}))
    assert [t for t in _sections(cls.__doc__) if t] == ["Parameters"]
    assert P.document_params(type("Toy", (_Toy,), {"__doc__": None})).__doc__ is None  # python -OO


def test_document_params_refuses_a_hand_written_parameters_section():
    doc = "A toy.\n\n    Parameters\n    ----------\n    tol : float\n        By hand.\n"
    with pytest.raises(ValueError, match="Parameters section of its own"):
        P.document_params(type("Toy", (_Toy,), {"__doc__": doc}))
