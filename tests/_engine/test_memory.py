"""silva/_engine/_memory.py: large write-once arrays without transparent huge pages."""
import gc
import pickle

import numpy as np
import pytest

from silva._engine._memory import empty_pages


@pytest.mark.parametrize("shape, dtype", [(10, np.int32), ((3, 4), np.float64), (2_000_000, np.int32),
                                          ((1_000_000, 2), np.float64), ((0, 3), np.uint32)])
def test_behaves_as_np_empty(shape, dtype):
    a = empty_pages(shape, dtype)
    expected = np.empty(shape, dtype)
    assert a.shape == expected.shape and a.dtype == expected.dtype and a.flags.writeable
    assert a.flags.c_contiguous
    a[...] = np.arange(a.size, dtype=dtype).reshape(a.shape)
    view = a[1:]  # a view keeps the mapping alive after the array goes
    del a
    gc.collect()
    np.testing.assert_array_equal(view, np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)[1:])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(view)), view)


def test_an_impossible_size_is_a_memory_error():
    with pytest.raises(MemoryError, match="Unable to allocate"):
        empty_pages((1 << 47,), np.float64)
