#!/usr/bin/env python3
"""Fails on a broken relative link, anchor or include in the book's sources.

Usage: python3 book/check-links.py [book/src]

Checked, without network access:
  * every relative Markdown link `[text](path#anchor)` and reference
    definition `[name]: path#anchor`: the file exists and, for a chapter,
    the anchor is one of its headings (ids computed as mdBook 0.4 does);
  * every `{{#include path}}` / `{{#rustdoc_include path:anchor}}`: the file
    exists and so does the `ANCHOR: name` it names;
  * every chapter file is listed in SUMMARY.md, and every chapter that
    SUMMARY.md lists exists;
  * every fenced code block names its language (rustdoc would compile a bare
    one as Rust);
  * every chapter is included by tests/support/book.rs, so its Rust samples
    run as doctests.
Links with a scheme (https:, mailto:) are not followed.
"""

import re
import sys
from pathlib import Path

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
INCLUDE = re.compile(r"\{\{\s*#(include|rustdoc_include)\s+([^}\s]+)\s*\}\}")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def normalize_id(text):
    """mdBook's `normalize_id`: keep alphanumerics, `_` and `-`, spaces to `-`."""
    out = []
    for ch in text:
        if ch.isalnum() or ch in "_-":
            out.append(ch.lower())
        elif ch.isspace():
            out.append("-")
    return "".join(out)


def heading_text(markdown):
    """The visible text of a heading, as mdBook sees it after rendering."""
    text = INLINE_LINK.sub(lambda m: m.group(0)[1 : m.group(0).index("](")], markdown)
    text = CODE_SPAN.sub(lambda m: m.group(2), text)
    text = re.sub(r"<[^>]*>", "", text)
    text = re.sub(r"(\*\*|\*)", "", text)
    return text.strip()


def prose_lines(path):
    """(line number, line) pairs outside fenced code blocks."""
    in_fence = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fence = FENCE.match(line)
        if fence:
            if in_fence is None:
                in_fence = fence.group(1)
            elif fence.group(1) == in_fence:
                in_fence = None
            continue
        if in_fence is None:
            yield number, line


def anchors_of(path, cache={}):
    """The heading ids mdBook gives a chapter, duplicates numbered."""
    if path not in cache:
        counts = {}
        ids = set()
        for _, line in prose_lines(path):
            m = HEADING.match(line)
            if not m:
                continue
            base = normalize_id(heading_text(m.group(2)))
            n = counts.get(base, 0)
            counts[base] = n + 1
            ids.add(base if n == 0 else f"{base}-{n}")
        cache[path] = ids
    return cache[path]


def link_targets(path):
    for number, line in prose_lines(path):
        bare = CODE_SPAN.sub("", line)
        for m in INLINE_LINK.finditer(bare):
            yield number, m.group(1)
        m = REF_DEF.match(bare)
        if m:
            yield number, m.group(1)


def check_link(src, chapter, number, target, problems):
    if SCHEME.match(target) or target.startswith("//"):
        return
    where = f"{chapter.relative_to(src.parent)}:{number}"
    file_part, _, anchor = target.partition("#")
    dest = chapter if file_part == "" else (chapter.parent / file_part).resolve()
    if not dest.exists():
        problems.append(f"{where}: link to missing file `{target}`")
        return
    if anchor and dest.suffix == ".md" and anchor not in anchors_of(dest):
        known = ", ".join(sorted(anchors_of(dest))) or "none"
        problems.append(
            f"{where}: no heading `#{anchor}` in {dest.name} (its anchors: {known})"
        )


def check_includes(src, chapter, problems):
    text = chapter.read_text(encoding="utf-8")
    for m in INCLUDE.finditer(text):
        number = text.count("\n", 0, m.start()) + 1
        where = f"{chapter.relative_to(src.parent)}:{number}"
        file_part, _, selector = m.group(2).partition(":")
        dest = (chapter.parent / file_part).resolve()
        if not dest.is_file():
            problems.append(f"{where}: include of missing file `{file_part}`")
            continue
        name = selector.split(":")[0]
        if name and not name.isdigit():
            body = dest.read_text(encoding="utf-8")
            if not re.search(rf"ANCHOR:\s*{re.escape(name)}\b", body):
                problems.append(f"{where}: no `ANCHOR: {name}` in {file_part}")


def check_fences(src, chapter, problems):
    in_fence = None
    lines = chapter.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        fence = FENCE.match(line)
        if not fence:
            continue
        if in_fence is None:
            in_fence = fence.group(1)
            if not line.strip()[len(in_fence) :].strip():
                where = f"{chapter.relative_to(src.parent)}:{number}"
                problems.append(f"{where}: code block without a language (use text, console, ...)")
        elif fence.group(1) == in_fence and not line.strip()[len(in_fence) :].strip():
            in_fence = None


def check_summary(src, problems):
    summary = src / "SUMMARY.md"
    if not summary.is_file():
        problems.append(f"{summary}: missing")
        return
    listed = set()
    for _, target in link_targets(summary):
        if not SCHEME.match(target):
            listed.add((src / target.partition("#")[0]).resolve())
    for chapter in sorted(src.rglob("*.md")):
        if chapter.name != "SUMMARY.md" and chapter.resolve() not in listed:
            problems.append(f"{chapter.relative_to(src.parent)}: not listed in SUMMARY.md")


def check_doctested(src, problems):
    module = src.parent.parent / "tests" / "support" / "book.rs"
    if not module.is_file():
        problems.append(f"{module}: missing (it runs the chapters' samples as doctests)")
        return
    text = module.read_text(encoding="utf-8")
    for chapter in sorted(src.rglob("*.md")):
        name = chapter.relative_to(src).as_posix()
        if chapter.name != "SUMMARY.md" and f'"{name}"' not in text:
            problems.append(f"{chapter.relative_to(src.parent)}: not included by {module.name}")


def main():
    src = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "src").resolve()
    problems = []
    chapters = sorted(src.rglob("*.md"))
    for chapter in chapters:
        for number, target in link_targets(chapter):
            check_link(src, chapter, number, target, problems)
        check_includes(src, chapter, problems)
        check_fences(src, chapter, problems)
    check_summary(src, problems)
    check_doctested(src, problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {src}", file=sys.stderr)
        return 1
    print(f"links ok: {len(chapters)} chapters in {src}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
