"""Make every plotly figure fit its column, whatever the screen's width.

Plotly's widget sizes a figure without a fixed width to its element only when it is first
drawn: in a Solara page the element is not laid out yet then, so plotly falls back to its
700 px default and the figure overflows a narrower column, cutting off the end of the x
axis (the widget listens for no later resize outside Jupyter). So the page measures: the
:func:`FitPlots` element, placed once on the page, watches the first element of class
``fit-plot`` (a figure's column; the columns of a row are equally wide) and reports its
width in pixels whenever it changes; the figures are then drawn that wide.
"""

from __future__ import annotations

from collections.abc import Callable

import ipyvuetify as v
import solara
import traitlets

TEMPLATE = """
<template><span class="fit-plots" style="display: none"></span></template>
<script>
module.exports = {
  mounted() {
    const measure = () => {
      const el = document.querySelector('.fit-plot');
      const width = el ? Math.floor(el.getBoundingClientRect().width) : 0;
      if (width > 0 && width !== this.width) { this.width = width; }
    };
    this.sizes = new ResizeObserver(measure);
    this.seen = new WeakSet();
    const watch = () => document.querySelectorAll('.fit-plot').forEach(el => {
      if (!this.seen.has(el)) { this.seen.add(el); this.sizes.observe(el); measure(); }
    });
    this.added = new MutationObserver(watch);
    this.added.observe(document.body, {childList: true, subtree: true});
    watch();
  },
  destroyed() {
    this.sizes.disconnect();
    this.added.disconnect();
  },
}
</script>
"""


class _FitPlots(v.VuetifyTemplate):
    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    width = traitlets.Int(0).tag(sync=True)


@solara.component
def FitPlots(on_width: Callable[[int], None]) -> solara.Element:  # noqa: N802 (a component)
    """The watcher, once per page: ``on_width(pixels)`` when a figure's column changes width."""
    return _FitPlots.element(on_width=on_width)
