"""Coursework tooling: the student edition and the grader, derived from the book's cell tags.

* :mod:`coursework.exercises` — which exercises a notebook has (``exercise:``, ``answer:``,
  ``solution:`` cell tags);
* :mod:`coursework.markup` — adds those tags to a chapter (``python -m coursework markup``);
* :mod:`coursework.student` — ``make student``: the handout, without solutions;
* :mod:`coursework.grade` — ``make grade SUBMISSION=<dir>``: grade.json and grade.md.

Built on nbformat, nbconvert (a preprocessor) and nbclient (headless execution); why not
nbgrader or otter-grader is explained in :mod:`coursework.student`.
"""
