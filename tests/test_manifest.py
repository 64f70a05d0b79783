"""The manifest pins the real data folder; drift fails clearly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from training.corpus.manifest import ManifestError, load_manifest, verify

# Folders in the data folder that are not training data: the CheckThat! 2A
# fact-check bank is imported into the store (the fact-check issue), not trained on.
NOT_TRAINING = ("checkthat2022_2a_claim_retrieval_en/",)


def test_manifest_names_every_file_in_the_data_folder(corpus_dir: Path) -> None:
    manifest = load_manifest()
    listed = {f.path for s in manifest.sources for f in s.files}
    on_disk = {
        str(p.relative_to(corpus_dir))
        for p in corpus_dir.rglob("*")
        if p.is_file()
        and p.name != "README.md"
        and not str(p.relative_to(corpus_dir)).startswith(NOT_TRAINING)
    }
    assert listed == on_disk


def test_manifest_records_provenance() -> None:
    for source in load_manifest().sources:
        assert source.repository.count("/") == 1, source.name
        assert len(source.commit) >= 7, source.name
        assert source.license and source.citation, source.name
        for f in source.files:
            assert len(f.sha256) == 64 and f.upstream_path, f.path
            assert f.upstream_path_status in ("found", "inferred", "unknown"), f.path


def test_real_data_folder_verifies(corpus_dir: Path) -> None:
    verify(load_manifest(), corpus_dir)


def _mirror(src: Path, dst: Path) -> None:
    """A copy of the data folder made of symlinks, so a test can alter one file."""
    for p in src.rglob("*"):
        if p.is_file():
            target = dst / p.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(p)


def test_checksum_mismatch_fails_and_names_the_file(corpus_dir: Path, tmp_path: Path) -> None:
    _mirror(corpus_dir, tmp_path)
    victim = tmp_path / "sms_spam" / "SMSSpamCollection.tsv"
    victim.unlink()
    shutil.copy(corpus_dir / "sms_spam" / "SMSSpamCollection.tsv", victim)
    with victim.open("a", encoding="utf-8") as fh:
        fh.write("spam\tone more row\n")
    with pytest.raises(ManifestError, match=r"checksum mismatch: sms_spam/SMSSpamCollection\.tsv"):
        verify(load_manifest(), tmp_path)


def test_missing_file_fails_and_names_it(corpus_dir: Path, tmp_path: Path) -> None:
    _mirror(corpus_dir, tmp_path)
    (tmp_path / "liar" / "valid.tsv").unlink()
    with pytest.raises(ManifestError, match=r"missing: liar/valid\.tsv"):
        verify(load_manifest(), tmp_path)


def test_missing_folder_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="HARMLABEL_CORPUS_DIR"):
        verify(load_manifest(), tmp_path / "nowhere")
