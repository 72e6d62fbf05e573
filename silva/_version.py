"""silva's version, in a module of its own so that the model file (``silva.io``) can record it
without importing the package it is part of. Keep it equal to ``version`` in pyproject.toml."""
__version__ = "0.1.0"
