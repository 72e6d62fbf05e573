"""Large arrays that are written once, front to back, without transparent huge pages.

NumPy asks Linux for transparent huge pages on every array of 4 MB or more (madvise). Where the kernel
compacts memory on such a fault (the common ``defrag=madvise`` setting), the first touch of fresh memory
costs several times more than with 4 KB pages: measured here, writing 317 MB of new arrays took 0.61 s
with huge pages and 0.13 s without. A forest's node tables (hundreds of MB for deep trees) and the
packed records of its predictor are written once in order and then read in order or by tree, where huge
pages buy nothing, so they are allocated here without them.
"""
import mmap

import numpy as np

_SMALL = 4 << 20  # below this NumPy does not ask for huge pages either


def empty_pages(shape, dtype):
    """``np.empty(shape, dtype)`` for arrays written once: anonymous memory with huge pages off (Linux;
    elsewhere, or for small arrays, plain ``np.empty``). The array owns its mapping (freed with it)."""
    dtype = np.dtype(dtype)
    shape = (shape,) if np.isscalar(shape) else tuple(shape)
    n = int(np.prod(shape, dtype=np.int64))
    nbytes = n * dtype.itemsize
    advice = getattr(mmap, "MADV_NOHUGEPAGE", None)
    if nbytes < _SMALL or advice is None:
        return np.empty(shape, dtype)
    try:
        buf = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    except OSError as exc:  # as np.empty would say it
        raise MemoryError(f"Unable to allocate {nbytes / 2**30:.1f} GiB for an array with shape {shape} and "
                          f"data type {dtype}") from exc
    try:
        buf.madvise(advice)
    except OSError:  # a kernel without the advice: the memory is still usable
        pass
    return np.frombuffer(buf, dtype=dtype, count=n).reshape(shape)
