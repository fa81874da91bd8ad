"""The project documents itself, inside itself.

A clone holds the repository and nothing beside it: no tracked file may point at documents
outside it, every relative link of the README and of docs/ must land on a file (and a heading)
that the repository has, and the quick start stays the two commands it promises.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("**/*.md"))]

# The team's documents lived in a folder beside the repository. Written with a character
# class so that this file's own text does not match.
OUTSIDE = re.compile(r"\.\./shared|(?<![\w-])shared[/]")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.MULTILINE)
FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.MULTILINE | re.DOTALL)
EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # http:, https:, mailto:, …


@cache
def tracked_files() -> frozenset[str]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
        ).stdout.decode()
        return frozenset(name for name in listed.split("\0") if name)
    except (OSError, subprocess.SubprocessError):  # no git (an exported tree): the files on disk
        skip = {".git", ".venv", "var", "node_modules", "__pycache__"}
        return frozenset(
            p.relative_to(ROOT).as_posix()
            for p in ROOT.rglob("*")
            if p.is_file() and not skip & set(p.relative_to(ROOT).parts)
        )


def _in_repository(path: str) -> bool:
    files = tracked_files()
    return path in files or any(name.startswith(f"{path}/") for name in files)


def _without_code_blocks(text: str) -> str:
    return FENCE.sub("", text)


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = text.replace("`", "").replace("*", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: str) -> set[str]:
    text = _without_code_blocks((ROOT / path).read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    result = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.MULTILINE):
        slug = _slug(heading)
        count = seen.get(slug, 0)
        result.add(slug if count == 0 else f"{slug}-{count}")
        seen[slug] = count + 1
    return result


def relative_links(path: str) -> list[str]:
    text = _without_code_blocks((ROOT / path).read_text(encoding="utf-8"))
    return [t for t in LINK.findall(text) + REFERENCE.findall(text) if not EXTERNAL.match(t)]


def broken(path: str, target: str) -> str | None:
    """Why a link of the document at `path` does not land inside the repository, or None."""
    file_part, _, anchor = target.partition("#")
    if file_part:
        resolved = (ROOT / path).parent.joinpath(file_part).resolve()
        if not resolved.is_relative_to(ROOT):
            return "points outside the repository"
        name = resolved.relative_to(ROOT).as_posix()
        if not _in_repository(name):
            return "is not a file of the repository"
    else:
        name = path
    if anchor and name.endswith(".md") and anchor not in anchors(name):
        return f"has no heading #{anchor} in {name}"
    return None


def test_no_tracked_file_points_outside_the_repository():
    offenders = []
    for name in sorted(tracked_files()):
        file = ROOT / name
        if not file.is_file():
            continue
        data = file.read_bytes()
        if b"\0" in data:  # binary (compiled translations, images)
            continue
        for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == []


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_relative_link_lands_inside_the_repository(document):
    assert (ROOT / document).is_file()
    problems = [f"{target} {why}" for target in relative_links(document) if (why := broken(document, target))]
    assert problems == []


def test_the_documentation_has_its_pages():
    assert {"docs/README.md", "docs/domain.md", "docs/api.md", "docs/architecture.md", "docs/operations.md"} <= set(
        DOCUMENTS
    )


def test_the_quick_start_is_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Quick start\s*$(.*?)(?=^## )", readme, re.MULTILINE | re.DOTALL)
    assert section, "README.md has no '## Quick start' section"
    block = re.search(r"^```\w*\s*$(.*?)^```\s*$", section.group(1), re.MULTILINE | re.DOTALL)
    assert block, "the quick start has no code block"
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    assert [c for c in commands if c] == ["make run", "make test"]


# --- The checks themselves -----------------------------------------------------------------


def test_a_link_beside_the_repository_or_to_a_missing_file_or_heading_is_broken():
    assert broken("README.md", "/".join(["..", "shared", "DOMAIN.md"])) == "points outside the repository"
    assert broken("README.md", "docs/nothing.md") == "is not a file of the repository"
    assert broken("README.md", "docs/domain.md#no-such-heading") == "has no heading #no-such-heading in docs/domain.md"
    assert broken("docs/api.md", "../SECURITY.md") is None
    assert broken("docs/api.md", "domain.md#citizens-and-cpr-numbers") is None


def test_the_outside_pattern_finds_what_the_old_readme_said():
    # Joined at run time, so that this file's own text does not match.
    beside = "/".join(["..", "shared", "DOMAIN.md"])
    assert OUTSIDE.search(f"The domain, in English: [`{beside}`]({beside})")
    assert OUTSIDE.search("see " + "/".join(["", "work", "shared", "API.md"]))
    assert not OUTSIDE.search("drf_spectacular_sidecar, /usr/share/doc, a shared cache")


def test_headings_become_githubs_anchors():
    assert _slug("Glossary (Danish – English)") == "glossary-danish--english"
    assert _slug("Production settings and `check --deploy`") == "production-settings-and-check---deploy"
    assert _slug("Background jobs: one worker pool, one beat") == "background-jobs-one-worker-pool-one-beat"
