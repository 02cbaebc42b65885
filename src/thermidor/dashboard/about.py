"""The "About this model" panel: what the model is, in plain words, and where to read more."""

from __future__ import annotations

import solara

from thermidor.dashboard import docs_route

# HTML written here, not Markdown: Solara's Markdown loads KaTeX and Mermaid from a CDN each
# time it is shown, which hangs for seconds on a machine without internet access
ABOUT = (
    "<p>"
    "<b>What this is.</b> A simulation of the argument of Christian Rakovsky's letter "
    "\"The 'Professional Dangers' of Power\" (Astrakhan, August 1928). A class takes power "
    "and a part of it becomes the apparatus that exercises power in its name. Each "
    "simulated member works, takes part in politics (or not), learns the art of governing"
    " by doing it, and may hold an office. Offices are filled by election, by nomination "
    "from above or by lot, as the scenario's institutions say. "
    "</p>"
    "<p>"
    "<b>What happens.</b> Where offices are filled from above, their holders answer "
    "upward: they gain privileges, abuses are known but go unpunished, reports are "
    "inflated, and the members' activity and capacity wither. Recruits without political "
    "experience dilute the class. At a crisis, few come out to defend the regime: that is"
    " Thermidor, marked on the plots when it happens. "
    "</p>"
    "<p>"
    "<b>What you can do.</b> Pick a scenario (a history with its dated shocks and "
    "interventions), change its institutions on the left, switch events off or edit them "
    "in the <i>Events</i> tab, then <i>Run</i>, or <i>Step</i> through it one step at a "
    "time. <i>Pin as baseline</i> keeps a run to compare the next ones with. The model is"
    " meant for comparing institutions over many seeds, not for forecasting: one run is "
    "one possible history. "
    "</p>"
)


@solara.component
def About() -> None:  # noqa: N802 (a Solara component)
    """The panel, with a link to the model's full description."""
    with solara.Column(classes=["about-model"], style={"max-width": "900px"}):
        solara.HTML(tag="div", unsafe_innerHTML=ABOUT)
        if docs_route.available():
            solara.HTML(
                tag="p",
                unsafe_innerHTML=(
                    f"The full description, mechanism by mechanism with the passages of the "
                    f'letter they implement: <a href="{docs_route.ROUTE}" target="_blank" '
                    f'class="model-doc-link">docs/model.md</a>.'
                ),
            )
        else:
            solara.Text(
                "The full description, mechanism by mechanism: docs/model.md in thermidor's "
                "source tree."
            )
