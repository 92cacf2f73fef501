"""Reading the IDX files of MNIST, with checksum verification and clear errors.

An IDX file (http://yann.lecun.com/exdb/mnist/, bottom of the page) is a header followed by
raw numbers, all big-endian:

- bytes 0-1: zero; byte 2: the type of the numbers (0x08 unsigned byte, 0x09 signed byte,
  0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64); byte 3: the number of dimensions d;
- then d sizes, each an unsigned 32-bit integer;
- then the product of the sizes numbers, row-major (the last index changes fastest).

MNIST ships four such files, gzipped. Nothing here downloads anything: the book runs on the
digits that scikit-learn ships, and these functions are for readers who have the MNIST files.
"""

import gzip
import hashlib
from pathlib import Path

import numpy as np

# IDX type byte -> big-endian NumPy dtype.
DTYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
          0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}

# MD5 of the four gzipped MNIST files as distributed, from torchvision's MNIST class
# (torchvision/datasets/mnist.py, `resources`).
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
# What the files hold: images of 28 x 28 pixels, 60,000 for training and 10,000 for testing.
MNIST_SIZES = {"train": 60_000, "t10k": 10_000}
MNIST_IMAGE_SHAPE = (28, 28)
_GZIP_MAGIC = b"\x1f\x8b"


def md5_of(path):
    """The MD5 hex digest of a file's bytes as stored (compressed, for a .gz file)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_idx(raw, name="the data"):
    """The array stored in the bytes of an (uncompressed) IDX file.

    raw: bytes; name: how to call the source in error messages.
    Returns an ndarray of the file's shape and type (native byte order).
    Raises ValueError if the header is malformed or the data are shorter or longer than the
    header says (a truncated or concatenated file).
    """
    if len(raw) < 4:
        raise ValueError(f"{name} is {len(raw)} bytes long: too short even for the 4-byte "
                         "IDX header; the file is truncated or empty")
    if raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{name} is not an IDX file: its first two bytes are "
                         f"{raw[0]:#04x} {raw[1]:#04x}, where IDX has 0x00 0x00")
    code, ndim = raw[2], raw[3]
    if code not in DTYPES:
        known = ", ".join(f"{c:#04x}" for c in DTYPES)
        raise ValueError(f"{name} has IDX type byte {code:#04x}; known types are {known}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{name} is {len(raw)} bytes long but its header alone needs {header} "
                         f"bytes for {ndim} dimensions: the file is truncated")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = DTYPES[code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "longer than its header says"
        raise ValueError(f"{name} is {problem}: a header of shape {shape} and type {dtype.name} "
                         f"needs {expected} bytes, the file has {len(raw)}")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))  # a writable copy in native byte order


def read_idx(path, md5=None):
    """Read an IDX file, gzipped or not, and check its MD5 first if ``md5`` is given.

    path: a file path; gzip compression is detected from the content, not the name.
    md5: the expected hex digest of the file as stored; None skips the check.
    Returns the ndarray (e.g. (60000, 28, 28) uint8 for MNIST's training images).
    Raises FileNotFoundError, or ValueError for a wrong checksum, a truncated gzip stream or
    a malformed IDX file.
    """
    path = Path(path)
    if md5 is not None:
        got = md5_of(path)
        if got != md5.lower():
            raise ValueError(f"{path.name} has MD5 {got}, expected {md5}: the file is damaged, "
                             "incomplete or a different file; download it again")
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError) as error:
            raise ValueError(f"{path.name} is a damaged or truncated gzip file ({error})") from None
    return parse_idx(raw, name=path.name)


def load_mnist(folder, kind="train"):
    """Images and labels of MNIST from its four original .gz files in ``folder``.

    kind: "train" (60,000 digits) or "t10k" (10,000 digits). Every file's MD5 is checked
    against :data:`MNIST_MD5` first.
    Returns X of shape (n, 784), float64 in [0, 1] (pixel / 255), and labels (n,) int64, with
    n = MNIST_SIZES[kind].
    Raises FileNotFoundError if a file is missing, ValueError if one is damaged or does not
    hold n images of 28 x 28 pixels and n labels.
    """
    if kind not in ("train", "t10k"):
        raise ValueError(f"kind must be 'train' or 't10k', not {kind!r}")
    folder = Path(folder)
    names = [f"{kind}-images-idx3-ubyte.gz", f"{kind}-labels-idx1-ubyte.gz"]
    missing = [n for n in names if not (folder / n).exists()]
    if missing:
        raise FileNotFoundError(f"{', '.join(missing)} not found in {folder}: put the original "
                                "MNIST .gz files there (this book never downloads them)")
    images, labels = (read_idx(folder / n, md5=MNIST_MD5[n]) for n in names)
    n = MNIST_SIZES[kind]
    if images.shape != (n, *MNIST_IMAGE_SHAPE) or labels.shape != (n,):
        raise ValueError(f"{names[0]} holds shape {images.shape} and {names[1]} shape "
                         f"{labels.shape}: expected ({n}, {MNIST_IMAGE_SHAPE[0]}, "
                         f"{MNIST_IMAGE_SHAPE[1]}) and ({n},)")
    return images.reshape(len(images), -1) / 255.0, labels.astype(np.int64)
