"""The IDX reader (backprop/idx.py) on small files written here byte by byte with struct."""

import gzip
import hashlib
import struct

import numpy as np
import pytest

from backprop import idx


def _idx_bytes(type_byte, shape, payload):
    """An IDX file: 0, 0, type, ndim, the sizes as big-endian uint32, then the payload."""
    return bytes([0, 0, type_byte, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + payload


def _write(path, raw, gz=False):
    path.write_bytes(gzip.compress(raw, mtime=0) if gz else raw)
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_reads_unsigned_bytes_in_row_major_order(tmp_path, gz):
    raw = _idx_bytes(0x08, (2, 3), bytes([0, 1, 2, 250, 254, 255]))
    data = idx.read_idx(_write(tmp_path / "images.idx", raw, gz))
    assert data.dtype == np.uint8 and data.shape == (2, 3)
    assert data.tolist() == [[0, 1, 2], [250, 254, 255]]


@pytest.mark.parametrize("type_byte,fmt,values", [
    (0x09, "b", [-128, -1, 0, 127]),
    (0x0B, "h", [-32768, -2, 3, 32767]),
    (0x0C, "i", [-(2**31), -5, 7, 2**31 - 1]),
    (0x0D, "f", [-1.5, 0.0, 0.25, 3.0]),
    (0x0E, "d", [-1e300, -0.1, 1e-300, 2.0]),
])
def test_reads_every_type_big_endian(tmp_path, type_byte, fmt, values):
    raw = _idx_bytes(type_byte, (4,), struct.pack(f">4{fmt}", *values))
    data = idx.read_idx(_write(tmp_path / "values.idx", raw))
    assert data.shape == (4,) and data.dtype.isnative
    assert data.tolist() == pytest.approx(values, rel=1e-7)


def test_labels_file_with_one_dimension(tmp_path):
    labels = [5, 0, 4, 1, 9, 2]
    data = idx.read_idx(_write(tmp_path / "labels.idx", _idx_bytes(0x08, (6,), bytes(labels))))
    assert data.tolist() == labels


def test_checksum_is_verified_on_the_stored_bytes(tmp_path):
    path = _write(tmp_path / "labels.gz", _idx_bytes(0x08, (3,), bytes([7, 8, 9])), gz=True)
    good = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
    assert idx.read_idx(path, md5=good).tolist() == [7, 8, 9]
    assert idx.read_idx(path, md5=good.upper()).tolist() == [7, 8, 9]
    with pytest.raises(ValueError, match="MD5") as error:
        idx.read_idx(path, md5="0" * 32)
    assert good in str(error.value) and "0" * 32 in str(error.value)


@pytest.mark.parametrize("cut", [1, 5, 17])
def test_truncated_data_is_refused_with_the_sizes(tmp_path, cut):
    raw = _idx_bytes(0x08, (2, 2, 3), bytes(range(12)))
    with pytest.raises(ValueError, match="truncated") as error:
        idx.read_idx(_write(tmp_path / "cut.idx", raw[:-cut]))
    if len(raw) - cut >= 16:  # the header survived: the message names both sizes
        assert f"needs {len(raw)} bytes" in str(error.value)


def test_truncated_header_is_refused(tmp_path):
    for raw in (b"", b"\x00\x00", _idx_bytes(0x08, (60000, 28, 28), b"")[:9]):
        with pytest.raises(ValueError, match="truncated"):
            idx.read_idx(_write(tmp_path / "short.idx", raw))


def test_truncated_gzip_is_refused(tmp_path):
    packed = gzip.compress(_idx_bytes(0x08, (50,), bytes(range(50))), mtime=0)
    with pytest.raises(ValueError, match="gzip"):
        idx.read_idx(_write(tmp_path / "cut.gz", packed[:len(packed) // 2]))


def test_extra_bytes_are_refused(tmp_path):
    raw = _idx_bytes(0x08, (2,), bytes([1, 2])) + b"\x00"
    with pytest.raises(ValueError, match="longer than its header says"):
        idx.read_idx(_write(tmp_path / "long.idx", raw))


def test_wrong_files_are_refused(tmp_path):
    with pytest.raises(ValueError, match="not an IDX file"):
        idx.read_idx(_write(tmp_path / "notes.txt", b"hello, these are not digits"))
    with pytest.raises(ValueError, match="type byte 0x07"):
        idx.read_idx(_write(tmp_path / "odd.idx", _idx_bytes(0x07, (1,), b"\x00")))
    with pytest.raises(FileNotFoundError):
        idx.read_idx(tmp_path / "absent.idx")


def test_load_mnist_checks_every_file(tmp_path, monkeypatch):
    images = bytes(range(2 * 2 * 3))
    files = {"t10k-images-idx3-ubyte.gz": _idx_bytes(0x08, (2, 2, 3), images),
             "t10k-labels-idx1-ubyte.gz": _idx_bytes(0x08, (2,), bytes([3, 1]))}
    with pytest.raises(FileNotFoundError, match="never downloads"):
        idx.load_mnist(tmp_path, "t10k")
    digests = {}
    for name, raw in files.items():
        path = _write(tmp_path / name, raw, gz=True)
        digests[name] = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
    with pytest.raises(ValueError, match="MD5"):  # our tiny files are not the real MNIST
        idx.load_mnist(tmp_path, "t10k")
    monkeypatch.setattr(idx, "MNIST_MD5", digests)
    with pytest.raises(ValueError, match=r"expected \(10000, 28, 28\) and \(10000,\)"):
        idx.load_mnist(tmp_path, "t10k")  # right checksums (patched), wrong sizes
    monkeypatch.setattr(idx, "MNIST_SIZES", {"train": 60_000, "t10k": 2})
    monkeypatch.setattr(idx, "MNIST_IMAGE_SHAPE", (2, 3))
    X, labels = idx.load_mnist(tmp_path, "t10k")
    assert X.shape == (2, 6) and labels.tolist() == [3, 1]
    assert np.allclose(X * 255, np.arange(12).reshape(2, 6), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="'train' or 't10k'"):
        idx.load_mnist(tmp_path, "test")


def test_mnist_checksums_are_well_formed():
    assert len(idx.MNIST_MD5) == 4 and set(idx.MNIST_SIZES) == {"train", "t10k"}
    assert all(len(d) == 32 and int(d, 16) >= 0 for d in idx.MNIST_MD5.values())
