"""Expand provenance placeholders in a data file into W3C Web Annotation blocks.

Write, in the default graph of a TriG file, a line

    #@prov SLUG | QUOTE            (or  #@prov SLUG | QUOTE | OCCURRENCE)

and run ``python scripts/annotate.py data/FILE.trig``: each placeholder becomes the annotation of
fact graph ``fact:SLUG``, with a TextQuoteSelector and a TextPositionSelector whose offsets are
computed from data/source/icmpd-tr.txt. The file is rewritten in place, atomically.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from icmpd_kg.paths import SOURCE_FILE
from icmpd_kg.provenance import annotation_turtle, read_source


def expand(text_of_file: str, source_text: str) -> str:
    out = []
    for line in text_of_file.splitlines():
        if line.startswith("#@prov "):
            parts = [p.strip() for p in line[len("#@prov ") :].split("|")]
            slug, quote = parts[0], parts[1]
            occurrence = int(parts[2]) if len(parts) > 2 else 1
            out.append(annotation_turtle(slug, source_text, quote, occurrence))
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    source_text = read_source(SOURCE_FILE)
    for name in argv:
        path = Path(name)
        new = expand(path.read_text(encoding="utf-8"), source_text)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(new)
        os.replace(tmp, path)
        print(f"annotated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
