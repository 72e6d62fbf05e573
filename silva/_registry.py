"""The estimator classes that a model file can hold, by class name.

Each estimator class joins when its module is imported, with the ``@register_model`` decorator on the
class; ``import silva`` imports every estimator module, so by the time a model is saved or loaded
all of them have joined. The model file (``silva.io``) and the estimators that build other
estimators (a forest's trees, AdaBoost's learners) look classes up here, so none of them imports
the modules that define the classes, and this module imports nothing from silva.
"""

__all__ = ["register_model", "model_class", "model_classes"]

_MODEL_CLASSES = {}


def check_model_contract(cls):
    """TypeError unless ``cls`` is a class implementing the model-state contract of docs/API.md."""
    if not (isinstance(cls, type) and hasattr(cls, "_get_model_state")
            and hasattr(cls, "_from_model_state")):
        raise TypeError(f"{cls!r} does not implement _get_model_state/_from_model_state")


def register_model(cls):
    """Class decorator: ``cls`` can be saved and loaded under ``cls.__name__``. Returns ``cls``.

    The name is what the model file stores, so two different classes cannot share it (a class
    defined again under the same module and name, as a module reload does, replaces the old one).
    """
    check_model_contract(cls)
    name = cls.__name__
    known = _MODEL_CLASSES.get(name)
    if known is not None and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
        raise ValueError(f"two model classes are named {name}: {known.__module__}.{known.__qualname__} "
                         f"and {cls.__module__}.{cls.__qualname__}")
    _MODEL_CLASSES[name] = cls
    return cls


def model_class(name):
    """The registered class named ``name`` (KeyError if none)."""
    return _MODEL_CLASSES[name]


def model_classes():
    """{class name: class} of every registered estimator, in the order they joined (a copy)."""
    return dict(_MODEL_CLASSES)
