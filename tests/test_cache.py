"""The cache of loaded datasets (``eyanalysis.data.cache``): a source loaded before and
unchanged since is read back, not checked again; anything a load's result depends on that
changes (a file's bytes, a new file, ``as_of``, the tables, the package's code) checks it
again; a database is never kept; a damaged entry is removed; ``EYANALYSIS_CACHE=off``
keeps nothing. Within a check, the schema checks of a table's cells are kept by content:
the same cells under the same code and parameters are not checked again, wherever and
whenever they are loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from eyanalysis.data import cache, sources, validation
from eyanalysis.data import dataset as dataset_module
from eyanalysis.data.dataset import load
from eyanalysis.data.schemas import TABLES
from tests.test_dataset import TINY

ONE = ["settings"]  # one table (it has no parents): a quick check where the tables do not matter


@pytest.fixture
def kept(tmp_path, monkeypatch) -> Path:
    """An empty cache folder of this test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("EYANALYSIS_CACHE", str(folder))
    return folder


@pytest.fixture
def checks(monkeypatch) -> list:
    """Each source checked (not read back), in order."""
    seen: list = []
    real = dataset_module._checked

    def counted(source, *args):
        seen.append(str(source))
        return real(source, *args)

    monkeypatch.setattr(dataset_module, "_checked", counted)
    return seen


@pytest.fixture
def source(tmp_path) -> Path:
    folder = tmp_path / "source"
    shutil.copytree(TINY, folder)
    return folder


def assert_same(a, b) -> None:
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
        pd.testing.assert_frame_equal(a.quarantined[name], b.quarantined[name])
    pd.testing.assert_frame_equal(a.problems, b.problems)
    assert a.summary == b.summary and a.encodings == b.encodings


def test_a_second_load_of_an_unchanged_source_is_read_back(kept, checks, source):
    first = load(source, as_of="2026-12-01")
    again = load(source, as_of="2026-12-01")
    assert checks == [str(source)]  # checked once
    assert len(list(kept.glob("*.pickle"))) == 1
    assert_same(first, again)
    assert again is not first  # a fresh copy: a caller changing it changes no other
    assert (first.read_back, again.read_back) == (False, True)  # what the app start says


def test_the_app_start_says_whether_the_data_were_checked_or_read_back(
        kept, checks, source, tmp_path, capsys):
    from eyanalysis.commands.app import prepare_data
    from eyanalysis.data.dataset import read_saved

    for n in (1, 2):
        (tmp_path / f"app{n}").mkdir()
        saved = prepare_data(str(source), tmp_path / f"app{n}")
        assert read_saved(saved).read_back is False  # what the app's kernels read
        err = capsys.readouterr().err
        assert err.startswith(f"Reading {source}...") and "checking" not in err.split("\n")[0]
        said = err.strip().splitlines()[-1]
        if n == 1:
            assert "every row checked: rows: 25 in, 25 accepted, 0 quarantined" in said, said
        else:
            assert "checked before and unchanged since, so read back" in said, said
    assert checks == [str(source)]


def test_a_bad_file_is_read_back_with_its_problems_and_quarantine(kept, checks, source):
    text = (source / "attendance.csv").read_text().splitlines()
    text[1] = text[1].replace(text[1].split(",")[0], "", 1)  # a blank id on line 2
    (source / "attendance.csv").write_text("\n".join(text) + "\n")
    first = load(source, as_of="2026-12-01")
    again = load(source, as_of="2026-12-01")
    assert len(checks) == 1 and len(first.problems) and first.counts.quarantined.sum()
    assert_same(first, again)


@pytest.fixture
def own_parameters(tmp_path, monkeypatch) -> Path:
    """A copy of the parameter files, in use (``EYANALYSIS_PARAMETERS``), to edit."""
    from tests.conftest import ROOT

    folder = shutil.copytree(ROOT / "parameters", tmp_path / "parameters")
    monkeypatch.setenv("EYANALYSIS_PARAMETERS", str(folder))
    return folder


def edit_parameter(path: Path, old: str, new: str) -> None:
    """Edit a parameter file as a user would, between two runs (a new process reads it)."""
    from eyanalysis import parameters

    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    parameters._cached.cache_clear()  # noqa: SLF001 - what a new process starts with


@pytest.mark.parametrize("change", ["edit a file", "add a file", "as_of", "tables", "code",
                                    "a parameter file"])
def test_anything_the_result_depends_on_changing_checks_the_source_again(
        kept, checks, source, monkeypatch, change, own_parameters):
    load(source, ONE, as_of="2026-12-01")
    as_of, tables = "2026-12-01", ONE
    if change == "edit a file":
        path = source / "settings.csv"
        path.write_text(path.read_text().replace("\n", "\r\n"))
    elif change == "add a file":
        (source / "attendance.csv.gz").write_bytes(b"")  # the readers see it (and say so)
    elif change == "as_of":
        as_of = "2026-12-02"
    elif change == "tables":
        tables = ["settings", "inspections"]
    elif change == "a parameter file":
        edit_parameter(own_parameters / "ofsted" / "framework.yaml", "2025-11-10:",
                       "2025-11-11:")
    else:  # another version of the package
        monkeypatch.setattr(cache, "code_digest", lambda: "another version")
    load(source, tables, as_of=as_of)
    assert checks == [str(source), str(source)]
    assert len(list(kept.glob("*.pickle"))) == 2


def test_a_changed_parameter_file_gives_the_check_it_asks_for(kept, source, own_parameters):
    """The checks read parameter files (DOMAIN O1: the framework in force on an
    inspection's date): a single-word judgement dated once report cards have begun is
    quarantined, so moving the first report card's date before it changes the result."""
    before = load(source, ["inspections"], as_of="2026-12-01")
    assert before.counts.quarantined.sum() == 0
    edit_parameter(own_parameters / "ofsted" / "framework.yaml", "2025-11-10:",
                   "2024-01-01:")
    after = load(source, ["inspections"], as_of="2026-12-01")
    assert after.read_back is False
    assert after.quarantined["inspections"].line.tolist() == [4]  # S2, 2024-02-01
    edit_parameter(own_parameters / "ofsted" / "framework.yaml", "2024-01-01:",
                   "2025-11-10:")
    assert load(source, ["inspections"], as_of="2026-12-01").read_back is True


def test_a_source_copied_elsewhere_is_checked_there(kept, checks, source, tmp_path):
    """The source's name is in every problem it reports, so a copy is its own entry."""
    load(source, ONE, as_of="2026-12-01")
    copy = shutil.copytree(source, tmp_path / "copy")
    ds = load(copy, ONE, as_of="2026-12-01")
    assert checks == [str(source), str(copy)]
    assert ds.source == str(copy)


def test_a_damaged_entry_is_removed_and_the_source_checked_again(kept, checks, source):
    load(source, ONE, as_of="2026-12-01")
    (entry,) = kept.glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    ds = load(source, ONE, as_of="2026-12-01")
    assert len(checks) == 2 and list(ds.tables) == ONE
    assert entry.read_bytes() != b"not a pickle"  # written again


def test_off_keeps_nothing(monkeypatch, checks, source, tmp_path):
    monkeypatch.setenv("EYANALYSIS_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load(source, ONE, as_of="2026-12-01")
    load(source, ONE, as_of="2026-12-01")
    assert len(checks) == 2
    assert cache.folder() is None and not (tmp_path / "xdg").exists()


def test_the_default_folder_is_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("EYANALYSIS_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.folder() == tmp_path / "eyanalysis" / "datasets"


def test_a_database_is_never_kept(kept, checks, source, tmp_path):
    url = f"sqlite:///{tmp_path / 'ey.db'}"
    sources.write_sql(load(source, ONE, as_of="2026-12-01").tables, url)
    checks.clear()
    load(url, ONE, as_of="2026-12-01")
    load(url, ONE, as_of="2026-12-01")
    assert checks == [url, url]
    assert len(list(kept.glob("*.pickle"))) == 1  # the folder's entry only


def test_only_the_most_recently_used_entries_are_kept(kept, checks, source, monkeypatch):
    load(source, ONE, as_of="2026-12-01")
    (first,) = kept.glob("*.pickle")
    monkeypatch.setattr(cache, "LIMIT_BYTES", first.stat().st_size * 5 // 2)  # room for two
    for day in ("2026-12-02", "2026-12-03"):
        load(source, ONE, as_of=day)
    assert len(list(kept.glob("*.pickle"))) == 2
    load(source, ONE, as_of="2026-12-03")  # kept
    load(source, ONE, as_of="2026-12-01")  # pruned: checked again
    assert len(checks) == 4


def test_a_folder_that_cannot_be_written_leaves_the_load_uncached(
        monkeypatch, checks, source, tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv("EYANALYSIS_CACHE", str(blocker / "cache"))
    assert list(load(source, ONE, as_of="2026-12-01").tables) == ONE
    assert list(load(source, ONE, as_of="2026-12-01").tables) == ONE
    assert len(checks) == 2


def test_a_folder_others_can_write_to_is_never_read(kept, checks, source):
    """Reading a pickle runs what it says: entries are read only from a folder of the
    user's own that nobody else can write to."""
    load(source, ONE, as_of="2026-12-01")
    assert cache.private(kept) and oct(kept.stat().st_mode & 0o777) == "0o700"
    kept.chmod(0o777)
    load(source, ONE, as_of="2026-12-01")
    assert len(checks) == 2  # not read back
    kept.chmod(0o700)
    load(source, ONE, as_of="2026-12-01")
    assert len(checks) == 2  # read back again


def test_a_half_written_entry_left_by_a_stopped_process_is_removed_later(kept, source):
    import os
    import time

    kept.mkdir(mode=0o700)
    old, new = kept / "stopped.part", kept / "writing.part"
    old.write_bytes(b"half")
    new.write_bytes(b"half")
    hours_ago = time.time() - 2 * cache.PART_AGE_S
    os.utime(old, (hours_ago, hours_ago))
    load(source, ONE, as_of="2026-12-01")
    assert not old.exists() and new.exists()  # another load may be writing that one


# -- the schema checks of one table, kept by its cells -----------------------------------------

@pytest.fixture
def schema_checks(monkeypatch) -> list:
    """The tables whose cells the schema checked (not read back), in order."""
    seen: list = []
    real = validation.validate

    def counted(frame, schema, *args, **kwargs):
        seen.append(next(n for n, t in TABLES.items() if set(t.columns) == set(schema.columns)))
        return real(frame, schema, *args, **kwargs)

    monkeypatch.setattr(validation, "validate", counted)
    return seen


def uncached(source, monkeypatch, **kwargs):
    with monkeypatch.context() as m:
        m.setenv("EYANALYSIS_CACHE", "off")
        return load(source, **kwargs)


def test_a_folder_where_one_file_changed_checks_that_tables_cells_only(
        kept, checks, schema_checks, source, monkeypatch):
    """A new attendance export beside last month's other files: the load is checked again
    (its foreign keys and dates), but the schema checks only the new file's cells."""
    load(source, as_of="2026-12-01")
    assert len(schema_checks) == 7
    path = source / "attendance.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[0], "", 1)  # a blank id on line 2
    path.write_text("\n".join(lines) + "\n")
    schema_checks.clear()
    ds = load(source, as_of="2026-12-01")
    assert len(checks) == 2 and schema_checks == ["attendance"]
    assert ds.quarantined["attendance"].line.tolist() == [2]
    assert_same(ds, uncached(source, monkeypatch, as_of="2026-12-01"))


def test_the_same_cells_elsewhere_or_on_another_day_are_not_checked_again(
        kept, checks, schema_checks, source, tmp_path, monkeypatch):
    """A copy of a bad folder loaded on another day: every table's schema checks are read
    back, and each problem names the copy's file, as a check of the copy would."""
    path = source / "visits.csv"
    lines = path.read_text().splitlines()
    lines[2] = lines[2] + ",an extra cell"
    lines[3] = lines[3].replace(lines[3].split(",")[0], "", 1)
    path.write_text("\n".join(lines) + "\n")
    first = load(source, as_of="2026-12-01")
    copy = shutil.copytree(source, tmp_path / "copy")
    schema_checks.clear()
    again = load(copy, as_of="2026-12-02")
    assert checks == [str(source), str(copy)] and schema_checks == []
    assert len(again.problems) and set(again.problems.file) == {
        str(copy / p) for p in first.problems.file.map(lambda f: Path(f).name)}
    assert_same(again, uncached(copy, monkeypatch, as_of="2026-12-02"))


def test_another_version_of_the_package_checks_every_tables_cells_again(
        kept, schema_checks, source, monkeypatch):
    load(source, as_of="2026-12-01")
    monkeypatch.setattr(cache, "code_digest", lambda: "another version")
    schema_checks.clear()
    load(source, as_of="2026-12-02")
    assert len(schema_checks) == 7


@pytest.mark.parametrize("damage", [b"not a pickle", b"\x80\x05}\x94.",  # an empty dict
                                    b"\x80\x05]\x94K\x01a."])  # a list of a number
def test_a_damaged_table_entry_is_checked_again(kept, schema_checks, source, monkeypatch,
                                                damage):
    first = load(source, ONE, as_of="2026-12-01")
    (entry,) = (kept / cache.CHECKS).glob("*.pickle")
    entry.write_bytes(damage)
    schema_checks.clear()
    again = load(source, ONE, as_of="2026-12-02")
    assert schema_checks == ["settings"]
    assert_same(first, again)


def test_cells_that_are_not_text_are_checked_not_kept(kept):
    text = pd.DataFrame({"setting_id": pd.array(["S1"], dtype="string"),
                         "places": pd.array([12], dtype="Int64")}, index=[2])
    assert cache.check_key("rules", "settings", text) is None
    assert cache.check_key("rules", "settings", text.astype("string")) is not None


def test_the_key_of_a_tables_cells_is_their_content(kept):
    def key(rows, index=(2, 3)):
        return cache.check_key("rules", "settings", pd.DataFrame(
            {"a": pd.array([r[0] for r in rows], dtype="string"),
             "b": pd.array([r[1] for r in rows], dtype="string")}, index=list(index)))

    same = key([("x", "y"), ("", None)])
    assert same == key([("x", "y"), ("", None)])
    others = [key([("x", "y"), ("", "")]),  # blank, not missing
              key([("xy", ""), ("", None)]),  # the same characters in other cells
              key([("x", "y"), ("", None)], index=(2, 4)),  # other line numbers
              key([("y", "x"), ("", None)])]
    assert len({same, *others}) == 5
    assert cache.check_key("other rules", "settings", pd.DataFrame(
        {"a": pd.array(["x", ""], dtype="string"), "b": pd.array(["y", None],
                                                                 dtype="string")},
        index=[2, 3])) != same


def test_a_load_prunes_the_cache_once_and_the_table_entries_with_the_rest(
        kept, source, monkeypatch, tmp_path):
    """Each entry written pruned the whole folder (a stat of every entry: 26 ms with 3,000
    of them, seven times a load); now once a load, a database's included, and the table
    entries go least recently used first with the datasets."""
    pruned: list = []
    real = cache._prune  # noqa: SLF001 - counted, not changed
    monkeypatch.setattr(cache, "_prune", lambda where: pruned.append(where) or real(where))
    load(source, as_of="2026-12-01")
    assert pruned == [kept] and len(list((kept / cache.CHECKS).glob("*.pickle"))) == 7
    url = f"sqlite:///{tmp_path / 'ey.db'}"
    sources.write_sql(load(source, as_of="2026-12-01").tables, url)
    pruned.clear()
    load(url, as_of="2026-12-01")
    assert pruned == [kept]
    monkeypatch.setattr(cache, "LIMIT_BYTES", 1)  # room for the newest entry only
    load(source, as_of="2026-12-02")
    left = [*kept.glob("*.pickle"), *(kept / cache.CHECKS).glob("*.pickle")]
    assert len(left) == 1 and left[0].parent == kept  # the dataset just written
