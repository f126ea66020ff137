"""Exercises a lecturer hands out: students write the gates, the checker shows where their
gradient goes wrong. See the README's section for lecturers."""
