"""Publish a GitHub release for a version tag, with that version's CHANGELOG section as its notes.

    python scripts/publish_release.py --tag 0.3.0 [--dry-run]

The tag must equal the manifest's ``version`` and CHANGELOG.md must have a ``## <version>`` section
(a heading may go on after the version, as in ``## 0.1.0 — first release``); otherwise nothing is
published and the reason is printed. HACS offers a repository's releases by their tag names, and
Home Assistant shows the manifest's version, so the three must agree.

With ``--dry-run`` the checks run and the release that would be made is printed; nothing is sent.
Without it, ``gh release create`` publishes the release (the release workflow runs this on every
pushed tag, with the workflow's token).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = Path("custom_components/steamloop/manifest.json")
CHANGELOG = Path("CHANGELOG.md")


class ReleaseError(Exception):
    """The tag, the manifest and the changelog do not agree."""


def changelog_section(changelog: str, version: str) -> str:
    """Return the body of the ``## <version>`` section (up to the next ``## `` heading)."""
    heading = re.compile(rf"^## {re.escape(version)}(?:\s.*)?$", re.MULTILINE)
    match = heading.search(changelog)
    if match is None:
        msg = f"CHANGELOG.md has no section for {version} (a '## {version}' heading)"
        raise ReleaseError(msg)
    following = re.compile(r"^## ", re.MULTILINE).search(changelog, match.end())
    body = changelog[match.end() : following.start() if following else len(changelog)].strip()
    if not body:
        msg = f"CHANGELOG.md's section for {version} is empty"
        raise ReleaseError(msg)
    return body


def release_notes(root: Path, tag: str) -> tuple[str, str]:
    """Return the version and the notes of the release `tag` makes, or raise ReleaseError."""
    version = json.loads((root / MANIFEST).read_text(encoding="utf-8")).get("version")
    if not isinstance(version, str) or not version:
        msg = f"{MANIFEST} has no version"
        raise ReleaseError(msg)
    if tag != version:
        msg = f"the tag {tag!r} is not the manifest's version {version!r}"
        raise ReleaseError(msg)
    return version, changelog_section((root / CHANGELOG).read_text(encoding="utf-8"), version)


def publish(version: str, notes: str) -> None:
    """Create the GitHub release of the (already pushed) tag `version`."""
    with tempfile.NamedTemporaryFile("w", suffix=".md", encoding="utf-8") as file:
        file.write(notes + "\n")
        file.flush()
        command = ["gh", "release", "create", version, "--verify-tag", "--title", version]
        command += ["--notes-file", file.name]
        subprocess.run(command, check=True)  # noqa: S603 - the version was checked above


def main(argv: list[str] | None = None) -> int:
    """Check the tag against the manifest and the changelog; publish unless a dry run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tag", required=True, help="the pushed tag, e.g. 0.3.0")
    parser.add_argument("--dry-run", action="store_true", help="check and print, send nothing")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        version, notes = release_notes(args.root, args.tag)
    except ReleaseError as err:
        print(f"release refused: {err}", file=sys.stderr)
        return 1
    if args.dry_run:
        print(f"dry run: would publish release {version} with these notes:\n\n{notes}")
        return 0
    publish(version, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
