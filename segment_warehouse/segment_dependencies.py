"""Keep `marts.segment_memberships` declared downstream of every segment model.

`segment_memberships` collects every model tagged `segment` from the dbt graph at run time (macro
`union_segment_memberships`), but dbt orders models by the `ref()`s it sees while *parsing*, when the graph
does not exist yet. So the model file carries one `-- depends_on: {{ ref('seg_<name>') }}` line per segment,
between two marker comments, and the macro fails the run, naming the missing lines, when a segment is not
declared. This module writes that block from the segment SQL files (models/segments/seg_*.sql):

    python -m segment_warehouse.segment_dependencies          # rewrite the block
    python -m segment_warehouse.segment_dependencies --check  # exit 1 when it is out of date

`sync_segment_dependencies()` is the function `segments new` (or anything that adds a segment) calls.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from segment_warehouse import settings

MEMBERSHIPS_MODEL = Path("models/marts/segment_memberships.sql")
SEGMENTS_DIR = Path("models/segments")
BEGIN_MARKER = "-- segment dependencies: begin"
END_MARKER = "-- segment dependencies: end"
_BLOCK = re.compile(re.escape(BEGIN_MARKER) + r"\n(?P<body>.*?)" + re.escape(END_MARKER), re.DOTALL)


def segment_model_names(project_dir: Path | None = None) -> list[str]:
    """The segment models of the project: every `seg_*.sql` under models/segments/, sorted."""
    segments_dir = (project_dir or settings.PROJECT_DIR) / SEGMENTS_DIR
    return sorted(path.stem for path in segments_dir.rglob("seg_*.sql"))


def dependency_block(model_names: list[str]) -> str:
    """The marker-delimited block of `-- depends_on` lines for these models."""
    lines = [f"-- depends_on: {{{{ ref('{name}') }}}}" for name in model_names]
    return "\n".join([BEGIN_MARKER, *lines, END_MARKER])


def _memberships_path(project_dir: Path | None) -> Path:
    path = (project_dir or settings.PROJECT_DIR) / MEMBERSHIPS_MODEL
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the segment_memberships model is missing")
    return path


def _current_block(text: str, path: Path) -> re.Match[str]:
    match = _BLOCK.search(text)
    if match is None:
        raise ValueError(
            f"{path}: no '{BEGIN_MARKER}' ... '{END_MARKER}' block found; restore the two marker lines "
            "(they delimit the generated depends_on lines)"
        )
    return match


def is_in_sync(project_dir: Path | None = None) -> bool:
    """True when the depends_on block of segment_memberships lists exactly the segment models."""
    path = _memberships_path(project_dir)
    text = path.read_text(encoding="utf-8")
    return _current_block(text, path).group(0) == dependency_block(segment_model_names(project_dir))


def sync_segment_dependencies(project_dir: Path | None = None) -> list[str]:
    """Rewrite the depends_on block of segment_memberships; return the segment models it did not list before."""
    path = _memberships_path(project_dir)
    text = path.read_text(encoding="utf-8")
    match = _current_block(text, path)
    names = segment_model_names(project_dir)
    added = [name for name in names if f"ref('{name}')" not in match.group("body")]
    new_text = text[: match.start()] + dependency_block(names) + text[match.end() :]
    if new_text != text:
        path.write_text(new_text, encoding="utf-8")
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m segment_warehouse.segment_dependencies",
        description="Write (or --check) the depends_on lines of models/marts/segment_memberships.sql.",
    )
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when the block is out of date")
    args = parser.parse_args(argv)
    if args.check:
        if is_in_sync():
            print(f"{MEMBERSHIPS_MODEL}: depends on all {len(segment_model_names())} segment models")
            return 0
        print(
            f"{MEMBERSHIPS_MODEL}: out of date; run python -m segment_warehouse.segment_dependencies",
            file=sys.stderr,
        )
        return 1
    added = sync_segment_dependencies()
    total = len(segment_model_names())
    print(f"{MEMBERSHIPS_MODEL}: {total} segment models declared" + (f", added {', '.join(added)}" if added else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
