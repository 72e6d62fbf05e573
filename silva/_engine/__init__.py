"""The one engine of silva: Numba kernels (histogram, splitting, partition, predict) and the grower."""
