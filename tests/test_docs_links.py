"""The project stands on its own: every relative link of README.md and docs/ leads to a file of the
repository (and to a heading of it, when the link names one), and no tracked file points to notes
that live outside the repository."""
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Written in two pieces so that this file does not match itself.
OUTSIDE = ("../" + "shared", "/work/" + "shared")
# Team notes that were never part of the repository; the docs/ pages replace them.
NOTES = ("DESIGN" + ".md", "STYLE" + ".md", "GLOSSARY" + ".md")
SKIPPED_DIRS = {".git", ".venv", "media", "staticfiles", "test-artifacts", "__pycache__", "node_modules"}

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"(`+).*?\1")
INLINE_LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def markdown_files():
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def prose_lines(text):
    """(line number, line) of the text outside fenced code blocks, with inline code removed."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, INLINE_CODE.sub("", line)


def links(text):
    """(line number, target) of every inline and reference link."""
    for number, line in prose_lines(text):
        for match in INLINE_LINK.finditer(line):
            yield number, match.group(1)
        reference = REFERENCE.match(line)
        if reference:
            yield number, reference.group(1)


def slug(heading):
    """The anchor GitHub gives a heading: markup dropped, lower case, punctuation removed (letters
    of any script, digits, '-' and '_' stay), spaces become hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


def anchors(path):
    """Every heading anchor of a markdown file, with GitHub's -1, -2 … for repeated ones."""
    seen, found = {}, set()
    for _number, line in prose_lines(path.read_text(encoding="utf-8")):
        heading = HEADING.match(line)
        if heading:
            base = slug(heading.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(path, root=ROOT):
    """'file:line: why' for each relative link of `path` that does not resolve inside `root`."""
    problems = []
    for number, target in links(path.read_text(encoding="utf-8")):
        if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # http:, https:, mailto: … are not checked here
        where = f"{path.relative_to(root)}:{number}: {target}"
        file_part, _, anchor = target.partition("#")
        if file_part.startswith("/"):
            problems.append(f"{where}: an absolute path does not resolve in a clone")
            continue
        resolved = (path.parent / file_part).resolve() if file_part else path
        if not resolved.is_relative_to(root.resolve()):
            problems.append(f"{where}: leads outside the repository")
        elif not resolved.exists():
            problems.append(f"{where}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            problems.append(f"{where}: no heading with anchor #{anchor} in {resolved.name}")
    return problems


def tracked_files():
    """The files git tracks; without git (an unpacked archive), every file outside build dirs."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout.decode("utf-8")
        return [ROOT / name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        everything = (p for p in ROOT.rglob("*") if p.is_file())
        return [p for p in everything if not SKIPPED_DIRS.intersection(p.relative_to(ROOT).parts)]


def test_the_docs_exist_and_the_readme_links_each_of_them():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = {target for _number, target in links(readme)}
    for name in ("architecture.md", "domain-rules.md", "glossary.md", "extending.md"):
        assert (ROOT / "docs" / name).is_file(), name
        assert f"docs/{name}" in targets, f"README.md does not link docs/{name}"


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(path):
    assert broken_links(path) == []


def test_no_tracked_file_points_outside_the_repository():
    offending = []
    for path in tracked_files():
        if not path.is_file():
            continue  # deleted in the working tree, still in the index
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # compiled translations, images
        for needle in (*OUTSIDE, *(n for n in NOTES if not (ROOT / n).exists())):
            if needle in text:
                line = text[: text.index(needle)].count("\n") + 1
                offending.append(f"{path.relative_to(ROOT)}:{line}: mentions {needle}")
    assert offending == [], "point to docs/ instead:\n" + "\n".join(offending)


def test_the_link_check_finds_a_missing_file_a_missing_anchor_and_a_way_out(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# Title\n\n## Money and areas（金额）\n", encoding="utf-8")
    page = tmp_path / "README.md"
    page.write_text(
        "\n".join(
            [
                "# Title",
                "[ok](docs/a.md) [ok](docs/a.md#money-and-areas金额) [web](https://example.org/x)",
                "[gone](docs/b.md) [bad anchor](docs/a.md#nothing) [out](../outside.md)",
                "`[in code](nowhere.md)`",
                "```",
                "[in a block](nowhere.md)",
                "```",
                "[ref]: docs/missing.md",
                "[self](#title) [self bad](#no-such)",
            ]
        ),
        encoding="utf-8",
    )

    assert broken_links(page, root=tmp_path) == [
        "README.md:3: docs/b.md: no such file",
        "README.md:3: docs/a.md#nothing: no heading with anchor #nothing in a.md",
        "README.md:3: ../outside.md: leads outside the repository",
        "README.md:8: docs/missing.md: no such file",
        "README.md:9: #no-such: no heading with anchor #no-such in README.md",
    ]
