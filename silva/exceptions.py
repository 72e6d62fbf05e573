"""Exceptions raised by silva."""

__all__ = ["ModelFileError"]


class ModelFileError(ValueError):
    """A model file could not be loaded: it is not a silva model file, or it is
    truncated, corrupted, edited, or written by a newer silva.

    ``path`` is the file and ``problem`` says what is wrong with it; ``str()``
    gives both. It subclasses ValueError so that ``except ValueError`` callers
    keep working.
    """

    def __init__(self, path, problem):
        # Both go to args so the exception pickles and copies like any other.
        super().__init__(path, problem)
        self.path = path
        self.problem = problem

    def __str__(self):
        return f"cannot load model file {str(self.path)!r}: {self.problem}"
