"""The repository stands alone: what it cites is an AWS page or its own docs/, never a file outside it.

Scanned whole: every file under src/, the Python scripts under scripts/, the Markdown under docs/ (but
docs/HELPERS.md, the team's workflow notes), README.md, the Makefile and the JSON data under tests/corpus/. Under
tests/ only comments and docstrings are read: code that locates the test data kept outside the repository is not a
citation.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Names of the reference notes kept beside the repository. `design.md` is ours only as docs/design.md (or,
# inside docs/, as a sibling link).
OUTSIDE = re.compile(
    r"\.\./shared|/work/shared|aws-reference(?:\.md)?|client-compat(?:\.md)?|\bstyle\.md|(?<![\w/-])design\.md"
)

# Code whose job is to find the test data kept outside the repository; its docstring says where that is.
LOCATES_TEST_DATA: frozenset[str] = frozenset({"tests/sigv4/vectors.py", "tests/support.py"})
THIS_FILE = "tests/test_standalone.py"  # it names the patterns it looks for


def scanned_files() -> Iterator[tuple[str, str]]:
    """(path relative to the repository, text to search) for every file the rule covers."""
    whole = [
        *sorted(p for p in (REPO / "src").rglob("*") if p.is_file() and "__pycache__" not in p.parts),
        *sorted((REPO / "scripts").rglob("*.py")),
        *sorted(p for p in (REPO / "docs").rglob("*.md") if p.name != "HELPERS.md"),
        *sorted((REPO / "tests" / "corpus").rglob("*.json")),
        REPO / "README.md",
        REPO / "Makefile",
    ]
    for path in whole:
        yield path.relative_to(REPO).as_posix(), path.read_text(encoding="utf-8", errors="replace")
    for path in sorted((REPO / "tests").rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        if "node_modules" not in path.parts and relative not in LOCATES_TEST_DATA and relative != THIS_FILE:
            yield relative, comments_and_docstrings(path.read_text(encoding="utf-8"))


def comments_and_docstrings(source: str) -> str:
    """The source with everything blanked but comments and docstrings, line numbers kept."""
    lines = source.splitlines()
    kept = [""] * len(lines)
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row = token.start[0] - 1
            kept[row] = token.string
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
                and first.end_lineno is not None
            ):
                for row in range(first.lineno - 1, first.end_lineno):
                    kept[row] = lines[row]
    return "\n".join(kept)


def citations(relative: str, text: str) -> Iterator[str]:
    in_docs = relative.startswith("docs/")
    for number, line in enumerate(text.splitlines(), 1):
        for match in OUTSIDE.finditer(line):
            if match.group() == "design.md" and in_docs:
                continue  # a sibling link inside docs/ is docs/design.md
            yield f"{relative}:{number}: {match.group()!r} in {line.strip()[:140]}"


def test_nothing_cites_files_outside_the_repository() -> None:
    found = [hit for relative, text in scanned_files() for hit in citations(relative, text)]
    assert not found, (
        "cite the AWS documentation page (title and URL), the client's public documentation, "
        "'observed with <client> <version>', or docs/design.md instead of:\n" + "\n".join(found)
    )


def test_the_rule_catches_what_it_should() -> None:
    cases = {
        "see ../shared/docs/x": True,
        "(aws-reference.md §4)": True,
        "(aws-reference §13)": True,
        "client-compat.md §3.4": True,
        "style.md": True,
        "design.md, decision 4": True,
        "docs/design.md, Caches": False,
        "/work/shared/vectors": True,
        "IAM User Guide, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html": False,
    }
    for text, cited in cases.items():
        assert bool(list(citations("src/x.py", text))) is cited, text
    assert not list(citations("docs/y.md", "[design.md](design.md)"))
    kept = comments_and_docstrings('"""Doc: ../shared/x."""\n\nDATA = "../shared"  # see client-compat.md\n')
    assert "Doc: ../shared/x." in kept
    assert "# see client-compat.md" in kept
    assert 'DATA = "../shared"' not in kept
