"""Kernel-free steppers and live controls (used by chapters 5, 7 and 11).

A reader on the static website has no Python kernel, so widget callbacks never run there.
What does run is JavaScript stored with the page: ipywidgets' *client-side links*. A
:func:`frame_stepper` therefore renders every frame in advance (one PNG per step or setting),
puts them in a ``widgets.Stack`` and links a slider (and a play button) to the Stack's
``selected_index`` with ``jslink``. ``jupyter execute --inplace`` (``make notebooks``) stores
the widget state in the notebook, and the book embeds it: the slider works with no kernel.

With a kernel, chapters add live controls (:func:`live`) that recompute from free parameters.
Tag such cells ``remove-output`` and ``nbval-ignore-output`` (see CONTRIBUTING.md): their
output only makes sense with a kernel attached.
"""
from __future__ import annotations

import io
from typing import Callable, Iterable, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure


def figure_to_png(fig: Figure, dpi: int = 90) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it (so it is not shown twice)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight",
                metadata={"Software": None})  # no version string: identical bytes across machines
    plt.close(fig)
    return buf.getvalue()


def render_frames(draw: Callable[[int], Figure], n_frames: int, dpi: int = 90) -> list[bytes]:
    """Call ``draw(k)`` for k = 0 … n_frames − 1 and return the frames as PNG bytes."""
    return [figure_to_png(draw(k), dpi=dpi) for k in range(n_frames)]


def frame_stepper(frames: Sequence[bytes], title: str, description: str = "step",
                  labels: Sequence[str] | None = None, play: bool = True,
                  interval_ms: int = 600) -> widgets.VBox:
    """A slider (and play button) that steps through precomputed frames, with no kernel.

    Parameters
    ----------
    frames : sequence of PNG bytes, length K ≥ 1
        One image per step, e.g. from :func:`render_frames`.
    title : str
        HTML shown above the controls (also keeps the stored text output free of image bytes).
    description : str
        Label of the slider.
    labels : sequence of str, optional
        Text for each frame, shown under the slider as a ``Tab``-free HTML stack
        (linked client-side like the images).
    play : bool
        Add a ``widgets.Play`` button linked to the slider.
    interval_ms : int
        Play speed.

    Returns
    -------
    ipywidgets.VBox
        Display it as the last expression of a cell.
    """
    if len(frames) == 0:
        raise ValueError("frame_stepper: expected at least one frame, got 0")
    if labels is not None and len(labels) != len(frames):
        raise ValueError(f"frame_stepper: expected {len(frames)} labels (one per frame), got {len(labels)}")
    images = [widgets.Image(value=png, format="png") for png in frames]
    stack = widgets.Stack(images, selected_index=0)
    stack.add_class("lstm-stepper")
    slider = widgets.IntSlider(value=0, min=0, max=len(frames) - 1, step=1,
                               description=description, continuous_update=True)
    widgets.jslink((slider, "value"), (stack, "selected_index"))
    controls: list[widgets.Widget] = [slider]
    if play:
        player = widgets.Play(value=0, min=0, max=len(frames) - 1, step=1, interval=interval_ms,
                              description="play")
        widgets.jslink((player, "value"), (slider, "value"))
        controls.insert(0, player)
    children: list[widgets.Widget] = [widgets.HTML(value=title), widgets.HBox(controls)]
    if labels is not None:
        label_stack = widgets.Stack([widgets.HTML(value=s) for s in labels], selected_index=0)
        widgets.jslink((slider, "value"), (label_stack, "selected_index"))
        children.append(label_stack)
    children.append(stack)
    return widgets.VBox(children)


def setting_explorer(frames: Sequence[bytes], values: Iterable, title: str,
                     description: str = "setting") -> widgets.VBox:
    """Like :func:`frame_stepper` but the slider runs over named settings (e.g. weight scales).

    The slider shows the index; the value of each setting is printed in its frame and in
    the caption line beneath the slider.
    """
    values = list(values)
    return frame_stepper(frames, title, description=description,
                         labels=[f"<code>{description} = {v}</code>" for v in values], play=False)


def live(fn: Callable, **controls) -> widgets.VBox:
    """Live controls for readers with a kernel: ``widgets.interactive(fn, **controls)``.

    ``fn`` must draw (e.g. a matplotlib figure) from keyword arguments given by the controls.
    """
    return widgets.interactive(fn, **controls)
