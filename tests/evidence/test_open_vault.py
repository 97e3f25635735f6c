"""Every vault is built from the settings by one factory, so none forgets a setting."""

from __future__ import annotations

from pathlib import Path

from evidence.config import open_vault
from lantian.config import Settings


def test_the_vault_takes_folders_operator_and_timestamp_authority(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, operator="浙江省知识产权局", tsa_url="http://tsa.example/"
    )
    vault = open_vault(settings)
    assert vault.root == settings.resolved_evidence_dir
    assert vault.key_dir == settings.resolved_key_dir
    assert vault.tsa_url == "http://tsa.example/"


def test_a_copy_of_the_store_is_opened_with_the_same_keys(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    vault = open_vault(settings, tmp_path / "copy")
    assert vault.root == tmp_path / "copy"
    assert vault.key_dir == settings.resolved_key_dir
