"""Atomic file writes: write to a temp file beside the target, then rename it over the target.

A reader never sees a half-written file, and a failed write leaves no temp file behind.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def default_file_mode() -> int:
    """0o666 minus the process umask: what open() would give a new file (mkstemp gives 0o600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_path(path, suffix: str = ".tmp") -> Iterator[str]:
    """Yields a fresh temp path in ``path``'s folder (ending in ``suffix``, so a writer that picks its
    format from the extension can be given the target's). When the block ends normally the temp file
    gets the usual new-file mode and replaces ``path``; when it raises, the temp file is removed."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=path.name + ".", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text_atomic(path, text: str) -> None:
    """Writes ``text`` to ``path`` as UTF-8 with "\\n" line ends, atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
