"""Shared test setup.

OpenMP threads that busy-wait (the default of the libgomp used by LightGBM, XGBoost and
scikit-learn) turn a 1-second fit into a 15-second one when another process (e.g. a second
pytest-xdist worker) shares the 2 cores. Ask for passive waiting before any OpenMP library is
loaded; libgomp reads the variable once, when it is loaded. An explicit setting is kept.
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
