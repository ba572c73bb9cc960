"""Loaded datasets kept for the next load of the same, unchanged source.

Checking a source (reading every file, the schema checks of every row, the foreign keys)
takes seconds on a county's data: about 2-3 s on the bundled sample's 130,000 rows. Every
command, app and notebook loads its source, and a termly run, an app start or a morning of
commands loads the same files many times. :func:`eyanalysis.data.dataset.load` therefore
keeps what it loaded here and reads it back, in a fraction of a second, when nothing it
depends on has changed.

**What "unchanged" means.** The key is a digest of everything a load's result depends on:

- the source as named (it is written in every problem's ``file``), and the bytes of every
  file the load could read: a folder's ``*.csv``, ``*.csv.gz`` and ``*.parquet`` files
  (whatever the case of their names: :func:`eyanalysis.data.sources.folder_files`) and
  its ``mapping.yaml`` (names and contents), or the workbook;
- the tables asked for, the date the data are checked against (``as_of``: rows dated after
  it are quarantined), and a mapping file's bytes;
- the package's own code (every ``.py`` file of :mod:`eyanalysis`) and the versions of
  Python, pandas, numpy, pyarrow and pandera;
- the parameter files in use (:func:`eyanalysis.parameters.default_root`): the checks
  read some of them (the Ofsted framework in force on an inspection's date, DOMAIN O1),
  so an edited parameter file checks the source again.

So an edited file, a new file, another day's check, an edited parameter file or another
version of the package each give a new key, and the source is checked again. A database is
never kept (its rows can change with no file changing), nor is a load given a mapping
object rather than a file.

**One table's cells.** Checking a source again still reads back what it can: the schema
checks of each table's cells (the costly part for a table that has not changed) are kept
by the cells themselves, under :data:`CHECKS` (:func:`check_key`: the table, its column
names, line numbers and cells, the code and the parameter files). A folder where one export
was replaced, the same files on another day, a copy of them elsewhere or in a database: each
table whose cells are the same is not checked again (its problems are read back naming the
file they are in now), while the checks between tables (foreign keys) and against the date
(``as_of``) run on every check. The sample checked on another day: about 1.4 s of CPU to 1.05.

**Where.** ``$EYANALYSIS_CACHE`` when set (a folder; ``off`` turns the cache off), else
``$XDG_CACHE_HOME/eyanalysis/datasets``, else ``~/.cache/eyanalysis/datasets``. The
entries take at most :data:`LIMIT_BYTES` (1 GiB), the least recently used removed first.
An entry that cannot be read (another Python, a damaged file) is removed and the source
checked again. The entries are pickles, and reading a pickle runs what it says: they are
read (and written) only in a folder of the user's own that nobody else can write to
(:func:`private`); in any other folder the source is checked every time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

#: Bytes the entries may take (the least recently used go first; the newest is always
#: kept). An entry is about the size of the loaded tables in memory: 15 MB for the sample.
LIMIT_BYTES = 1 << 30
OFF = "off"
#: A half-written entry older than this (seconds) was left by a stopped process: removed.
PART_AGE_S = 3600
#: The sub-folder of the entries of one table's schema checks (:func:`check_key`).
CHECKS = "checks"


def folder() -> Path | None:
    """The cache folder, or ``None`` when ``EYANALYSIS_CACHE=off``."""
    chosen = os.environ.get("EYANALYSIS_CACHE", "").strip()
    if chosen.lower() == OFF:
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "eyanalysis" / "datasets"


@cache
def code_digest() -> str:
    """A digest of the package's code and the libraries a load's result depends on (their
    installed versions: importing pandera only to ask would cost a read-back a quarter of a
    second)."""
    from importlib.metadata import version

    h = hashlib.sha256()
    for part in (sys.version, *(version(d) for d in ("pandas", "numpy", "pyarrow", "pandera"))):
        h.update(part.encode() + b"\0")
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def _files(source: Path) -> list[Path]:
    """The files a load of ``source`` can read (the folder reader's own list)."""
    if source.is_dir():
        from eyanalysis.data.sources import MAPPING_FILE, folder_files

        mapping = [source / MAPPING_FILE] if (source / MAPPING_FILE).is_file() else []
        return sorted([p for paths in folder_files(source).values() for p in paths] + mapping)
    return [source] if source.is_file() else []


def _parameter_files() -> list[Path]:
    from eyanalysis.parameters import default_root, parameter_files

    root = default_root()
    return parameter_files(root) if root.is_dir() else []


def _update(h, paths: list[Path]) -> None:
    for path in paths:
        h.update(path.name.encode() + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")


def key(rules: str, source, kind: str, tables: list[str], checked_on, mapping) -> str | None:
    """The entry's name for this load (``rules``: :func:`rules_digest`), or ``None`` when
    it is not kept (a database, a mapping object, the cache turned off)."""
    if kind == "sql" or folder() is None or not (mapping is None or isinstance(
            mapping, str | Path)):
        return None
    h = hashlib.sha256()
    h.update(rules.encode())
    h.update(f"\0{source}\0{kind}\0{','.join(tables)}\0{checked_on.isoformat()}\0".encode())
    _update(h, _files(Path(source)) + ([Path(mapping)] if mapping is not None else []))
    return h.hexdigest()


def rules_digest() -> str:
    """A digest of what the checks themselves are: the package's code and libraries
    (:func:`code_digest`) and the parameter files in use (read again each time: a file
    edited between two loads in one process counts)."""
    h = hashlib.sha256(code_digest().encode())
    _update(h, _parameter_files())
    return h.hexdigest()


def check_key(rules: str, table: str, text) -> str | None:
    """The entry's name for the schema checks of one table's text cells (``text``: one
    column of text per column, index = line numbers), or ``None`` when the cache is off.

    Kept by content, not by source: the checks of a table give the same problems for the
    same cells under the same code and parameters (``rules``: :func:`rules_digest`),
    whichever file, workbook or database they came from, whatever the date of the load
    (the checks against ``as_of`` and between tables run on every load, after these). So
    a folder where one file changed, or the same files on another day, checks only the
    changed table's cells again."""
    import pandas as pd
    import pyarrow as pa

    if folder() is None or not all(isinstance(t, pd.StringDtype) for t in text.dtypes):
        return None  # the readers give text; anything else is checked, not kept
    h = hashlib.sha256(f"{rules}\0{table}\0{len(text)}\0".encode())
    h.update("\0".join(map(str, text.columns)).encode("utf-8", "surrogatepass") + b"\0")
    h.update(text.index.to_numpy(dtype="int64").tobytes())
    for column in text.columns:
        cells = pa.array(text[column], type=pa.large_string())
        # the cells exactly: where they start in the buffers, which are blank (NA), the text
        h.update(f"\0{cells.offset}\0{len(cells)}\0".encode())
        for buffer in cells.buffers():
            h.update(b"\0" if buffer is None else buffer)
    return f"{CHECKS}/{h.hexdigest()}"


def private(where: Path) -> bool:
    """Whether ``where`` is a folder only this user can write to (owned by them, not
    writable by the group or others): the only kind of folder entries are read from, since
    reading a pickle runs what it says."""
    try:
        st = where.stat()
    except OSError:
        return False
    owner = st.st_uid == os.getuid() if hasattr(os, "getuid") else True
    return stat.S_ISDIR(st.st_mode) and owner and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def read(name: str | None):
    """The dataset kept under ``name``, or ``None`` (not kept, unreadable: removed, or in a
    folder others can write to: not read)."""
    where = folder()
    if name is None or where is None or not private(where):
        return None
    path = where / f"{name}.pickle"
    try:
        with open(path, "rb") as fh:
            ds = pickle.load(fh)  # noqa: S301 - written by write() below, in our own cache
        os.utime(path)  # most recently used
    except OSError:  # not kept, or a folder that cannot be read
        return None
    except Exception:  # a damaged entry, another Python's pickle: check the source again
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        return None
    return ds


def write(name: str | None, ds, prune: bool = True) -> None:
    """Keep ``ds`` under ``name`` (atomically: a reader never sees half an entry), then
    remove the least recently used entries over :data:`LIMIT_BYTES` unless ``prune`` is
    false (a load's table entries: :func:`prune` runs once for the load); a folder that
    cannot be written leaves the load uncached, never failed."""
    where = folder()
    if name is None or where is None:
        return
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not private(where):
            return
        target = where / f"{name}.pickle"
        target.parent.mkdir(mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=where, suffix=".part")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(ds, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
        if prune:
            _prune(where)
    except OSError:  # a full disk: the entry is not kept
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def prune() -> None:
    """Remove the least recently used entries over :data:`LIMIT_BYTES` (what :func:`write`
    does after writing), for a load that kept table entries but no dataset."""
    where = folder()
    if where is not None and private(where):
        with contextlib.suppress(OSError):  # an entry removed by another process meanwhile
            _prune(where)


def _prune(where: Path) -> None:
    for part in where.glob("*.part"):  # left by a process stopped while writing
        if time.time() - part.stat().st_mtime > PART_AGE_S:
            part.unlink(missing_ok=True)
    entries = sorted(((p.stat(), p) for p in [*where.glob("*.pickle"),
                                              *where.glob(f"{CHECKS}/*.pickle")]),
                     key=lambda e: e[0].st_mtime, reverse=True)
    used = 0
    for info, path in entries:
        used += info.st_size
        if used > LIMIT_BYTES and path != entries[0][1]:
            path.unlink(missing_ok=True)
