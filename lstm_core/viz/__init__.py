"""Figures and widgets for the chapters (matplotlib + ipywidgets; not imported by ``lstm_core``).

:mod:`lstm_core.viz.widgets` holds the generic machinery: render precomputed frames and wrap them
in a kernel-free stepper (slider ``jslink``-ed to a ``Stack`` of images) that works on the static
website, and a live ``interact`` version for readers running a kernel. Concept modules
(``viz.rnn``, ``viz.lstm``, …) draw the book's specific figures with it.
"""
