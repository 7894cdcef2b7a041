"""Migration discovery and planning: pure, no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from actors.store import migrator
from actors.store.migrator import Migration, MigrationError, discover, pending


def _write(directory: Path, *names: str) -> None:
    for name in names:
        (directory / name).write_text("SELECT 1;\n")


def test_discover_orders_by_version_not_by_listing(tmp_path: Path) -> None:
    _write(tmp_path, "0010_tenth.sql", "0002_second.sql", "0001_init.sql")
    found = discover(tmp_path)
    assert [m.version for m in found] == ["0001", "0002", "0010"]
    assert [m.label for m in found] == ["0001_init", "0002_second", "0010_tenth"]
    assert all(m.path.parent == tmp_path for m in found)


def test_discover_ignores_other_files(tmp_path: Path) -> None:
    _write(tmp_path, "0001_init.sql", "README.md", "notes.txt")
    (tmp_path / "0002_dir.sql").mkdir()  # a directory, not a file
    assert [m.label for m in discover(tmp_path)] == ["0001_init"]


@pytest.mark.parametrize(
    "bad_name",
    [
        "1_init.sql",
        "0001-init.sql",
        "0001_Init.sql",
        "init.sql",
        "00001_init.sql",
        "0001_.sql",
    ],
)
def test_discover_rejects_badly_named_sql(tmp_path: Path, bad_name: str) -> None:
    _write(tmp_path, "0001_init.sql", bad_name)
    with pytest.raises(MigrationError, match="NNNN_snake_case_name"):
        discover(tmp_path)


def test_discover_rejects_duplicate_versions(tmp_path: Path) -> None:
    _write(tmp_path, "0001_init.sql", "0002_a.sql", "0002_b.sql")
    with pytest.raises(MigrationError, match="share version 0002"):
        discover(tmp_path)


def test_pending_skips_applied_and_keeps_order(tmp_path: Path) -> None:
    _write(tmp_path, "0003_c.sql", "0001_a.sql", "0002_b.sql")
    found = discover(tmp_path)
    assert [m.version for m in pending(found, [])] == ["0001", "0002", "0003"]
    assert [m.version for m in pending(found, ["0002"])] == ["0001", "0003"]
    assert pending(found, ["0001", "0002", "0003"]) == []
    # versions the code does not know (a newer release ran here) are not an error
    assert [m.version for m in pending(found, ["0001", "0099"])] == ["0002", "0003"]


def test_pending_sorts_unsorted_input(tmp_path: Path) -> None:
    b = Migration("0002", "b", tmp_path / "0002_b.sql")
    a = Migration("0001", "a", tmp_path / "0001_a.sql")
    assert pending([b, a], []) == [a, b]


def test_sql_is_bytes_for_multi_statement_files(tmp_path: Path) -> None:
    (tmp_path / "0001_init.sql").write_text("SELECT 1;\nSELECT 2;\n")
    (migration,) = discover(tmp_path)
    assert migration.sql() == b"SELECT 1;\nSELECT 2;\n"


def test_shipped_migrations_are_well_formed() -> None:
    found = discover()  # the package's own migrations/ directory
    assert found[0].label == "0001_init"
    init = found[0].sql().decode()
    for needle in (
        "CREATE EXTENSION IF NOT EXISTS vector",
        "supervision_events",
        "bus_messages",
    ):
        assert needle in init


def test_advisory_lock_key_fits_a_bigint() -> None:
    assert 0 <= migrator.ADVISORY_LOCK_KEY < 2**63
