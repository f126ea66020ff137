"""benchmarks/RESULTS.md is made of sections, each rewritten by the command that measures it."""

from __future__ import annotations

from pathlib import Path

from autograd.plumbing.atomic import write_atomically

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADER = ("# Benchmark results\n\nEach section below is written by the command it names; every "
          "number in it comes from that command's run.\n")


def update_section(name: str, body: str) -> None:
    """Replace (or add) the section `name` of RESULTS.md, writing the file atomically."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else HEADER
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    write_atomically(RESULTS, text)
