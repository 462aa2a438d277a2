"""The release script: tag, manifest and CHANGELOG.md must agree before anything is published."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import publish_release  # noqa: E402

VERSION = json.loads((ROOT / publish_release.MANIFEST).read_text())["version"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script
        [str(ROOT / "scripts" / "release"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_dry_run_of_the_current_version_prints_its_changelog_section() -> None:
    """The manifest's version as the tag: the notes are that section, nothing is sent."""
    result = _run("--tag", VERSION, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert f"would publish release {VERSION}" in result.stdout
    section = publish_release.changelog_section((ROOT / "CHANGELOG.md").read_text(), VERSION)
    assert section in result.stdout
    assert "\n## " not in section  # only this version's section


@pytest.mark.parametrize("tag", ["v" + VERSION, "9.9.9", VERSION + ".1"])
def test_a_tag_that_is_not_the_manifest_version_is_refused(tag: str) -> None:
    """A tag that differs from the manifest's version publishes nothing and says why."""
    result = _run("--tag", tag, "--dry-run")
    assert result.returncode == 1
    assert f"the tag '{tag}' is not the manifest's version '{VERSION}'" in result.stderr
    assert "would publish" not in result.stdout


def _copy(tmp_path: Path, version: str, changelog: str) -> Path:
    manifest = tmp_path / publish_release.MANIFEST
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"domain": "steamloop", "version": version}))
    (tmp_path / "CHANGELOG.md").write_text(changelog)
    return tmp_path


def test_a_manifest_version_without_a_changelog_section_is_refused(tmp_path: Path) -> None:
    """Manifest bumped, changelog not: refused, even with a matching tag."""
    root = _copy(tmp_path, "1.1.0", "# Changelog\n\n## 1.0.0\n\n- Fixed things.\n")
    assert publish_release.main(["--tag", "1.1.0", "--dry-run", "--root", str(root)]) == 1
    with pytest.raises(publish_release.ReleaseError, match=r"no section for 1\.1\.0"):
        publish_release.release_notes(root, "1.1.0")


def test_sections_end_at_the_next_version_and_may_have_a_title(tmp_path: Path) -> None:
    """`## 1.0.0 — first release` is 1.0.0's section; 1.0.10 is not 1.0.1; empty is refused."""
    changelog = (
        "# Changelog\n\n## 1.0.10\n\n- Ten.\n\n## 1.0.1\n\n### Fixed\n- One.\n\n"
        "## 1.0.0 — first release\n\n- First.\n\n## 0.9.0\n"
    )
    root = _copy(tmp_path, "1.0.1", changelog)
    assert publish_release.release_notes(root, "1.0.1") == ("1.0.1", "### Fixed\n- One.")
    assert publish_release.changelog_section(changelog, "1.0.0") == "- First."
    with pytest.raises(publish_release.ReleaseError, match="empty"):
        publish_release.changelog_section(changelog, "0.9.0")
    (root / publish_release.MANIFEST).write_text("{}")
    with pytest.raises(publish_release.ReleaseError, match="has no version"):
        publish_release.release_notes(root, "1.0.1")


def test_publishing_hands_the_section_to_gh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --dry-run the release is created with `gh`, the section as its notes."""
    calls: list[tuple[list[str], str]] = []

    def fake_run(args: list[str], *, check: bool) -> None:
        assert check
        calls.append((args, Path(args[-1]).read_text()))

    monkeypatch.setattr(publish_release.subprocess, "run", fake_run)
    root = _copy(tmp_path, "1.0.0", "## 1.0.0\n\n- First.\n")
    assert publish_release.main(["--tag", "1.0.0", "--root", str(root)]) == 0
    ((args, notes),) = calls
    assert args[:4] == ["gh", "release", "create", "1.0.0"]
    assert "--verify-tag" in args
    assert notes == "- First.\n"


def test_the_workflow_runs_the_script_on_tags() -> None:
    """The release workflow is triggered by tags and runs the checked script."""
    workflow = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    assert 'tags: ["*"]' in workflow
    assert 'scripts/release --tag "$GITHUB_REF_NAME" --dry-run' in workflow
    assert shutil.which("python3") is not None


def test_hacs_offers_releases_only() -> None:
    """HACS offers the published releases, not the default branch, and shows the README."""
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["hide_default_branch"] is True
    assert hacs["render_readme"] is True
    assert "zip_release" not in hacs  # releases are the tagged source; no asset to upload
