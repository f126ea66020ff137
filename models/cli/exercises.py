"""`backproplab exercises list | start DIR | check DIR [NAME…] [--json FILE] [--html DIR]
[--examples N] | solve DIR`: hand out the exercises, grade them, and write the feedback pages.

DIR is the student's folder: `start` and `solve` refuse one that holds any file they would
write (never overwrite student work), and write every file atomically; `check` reads it and
never runs anything but the student's exercise files. Exit status: 0 when everything passes,
1 when anything fails (GitHub Classroom reads it), 2 for a usage error.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograd.plumbing.atomic import write_atomically, write_files_atomically

PACKAGE = Path(__file__).parents[2] / "autograd" / "exercises"


def run_exercises(args: argparse.Namespace) -> int:
    if args.action == "list":
        print(catalogue_text())
        return 0
    if args.action in ("start", "solve"):
        written = hand_out(Path(args.dir), "templates" if args.action == "start" else "solutions")
        print(f"wrote {len(written)} files to {args.dir}")
        return 0
    return run_check(args)


def catalogue_text() -> str:
    from autograd.exercises.catalogue import EXERCISES

    lines = []
    for e in EXERCISES:
        items = ", ".join(f"{i.title} ({i.points:g})" for i in e.items)
        lines.append(f"{e.name:13} {e.block}: {e.title}  [{e.points:g} points]\n{'':13} {items}")
    return "\n".join(lines)


def student_readme() -> str:
    from autograd.exercises.catalogue import EXERCISES

    listing = "\n".join(f"- `{e.name}.py` — {e.block}: {e.title} ({e.points:g} points)" for e in EXERCISES)
    return f"""# backproplab exercises

Write the gates in these files with the gate API (`forward(ctx, …)`, `backward(ctx, grad)`,
`ctx.save_for_backward`): each docstring states the task and the math to derive. Keep the
names of the classes and functions.

{listing}

Check your work at any time (all files, or some):

    backproplab exercises check .
    backproplab exercises check . softmax rnn --html feedback/

`check` tests every gate against the lectures' worked numbers, against backproplab's own gate
on many generated shapes and values (a failure shows the smallest input that fails), and with
central differences. `--html DIR` writes, for a composed exercise that goes wrong, a page
showing your backward pass beside the reference, with the first wrong gate marked. In Jupyter:
`from autograd.exercises.notebook import check; check("tanh", Tanh)`.
"""


def hand_out(folder: Path, kind: str) -> list[Path]:
    """Write the skeletons (or the reference solutions) and the README into `folder`."""
    from autograd.exercises.catalogue import EXERCISES

    if folder.exists() and not folder.is_dir():
        raise ValueError(f"exercises: {folder} exists and is not a folder")
    files: dict[Path, str] = {folder / f"{e.name}.py": (PACKAGE / kind / f"{e.name}.py").read_text(
        encoding="utf-8") for e in EXERCISES}
    files[folder / "README.md"] = student_readme()
    taken = [p for p in files if p.exists()]
    if taken:
        raise ValueError(f"exercises: {taken[0]} already exists; refusing to overwrite student "
                         "work (choose an empty folder)")
    write_files_atomically(files)
    return list(files)


def run_check(args: argparse.Namespace) -> int:
    from autograd.exercises.checker import check_folder
    from autograd.exercises.page import write_feedback
    from autograd.exercises.report import gradescope_json, table

    folder = Path(args.dir)
    if not folder.is_dir():
        raise ValueError(f"exercises check: {folder} is not a folder")
    if args.examples < 1:
        raise ValueError(f"exercises check: --examples must be at least 1, got {args.examples}")
    if args.time_limit <= 0:
        raise ValueError(f"exercises check: --time-limit must be positive, got {args.time_limit:g}")
    report = check_folder(folder, args.names, args.examples, args.time_limit)
    print(table(report))
    if args.json:
        write_atomically(args.json, gradescope_json(report))
    if args.html:
        for outcome in report.outcomes:
            comparison = outcome.page
            if comparison is not None and comparison.first is not None:
                print(f"feedback page: {write_feedback(args.html, outcome.exercise, comparison)}")
    return 0 if report.passed else 1
