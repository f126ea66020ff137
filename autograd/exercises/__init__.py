"""Exercises a lecturer hands out: students write the gates, the checker shows where their
gradient goes wrong (README: "Exercises, for lecturers").

- `catalogue`: the exercises in the lectures' order, their items and points;
- `templates/`, `solutions/`: the skeletons students fill in, and the reference solutions;
- `cases` (hypothesis strategies), `grading` (one gate's judges), `items`, `composed` (networks
  of the student's gates; hand derivations), `compare` (two backward passes, gate by gate),
  `diagnose` (the common mistakes, named), `checker`, `report` (table, Gradescope JSON),
  `page` (the feedback page), `notebook` (`check("tanh", MyTanh)` in Jupyter).
"""

EXAMPLES = 25   # hypothesis examples per gate: `check --examples N`, `check(..., examples=N)`
TIME_LIMIT = 30.0   # seconds per item (and per file's loading): `check --time-limit`
