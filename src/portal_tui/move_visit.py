"""The "Move visit" dialog: the open times of one clinic day for the chosen visit; picking one moves it there.

The dialog never calls the portal: it shows the times the app loaded, asks for another day with ``DayWanted``
and hands the chosen time back when it closes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static

from portal_tui.schedule import clock_time, long_date
from portalcore.services.visits.schedule import ScheduleRow


@attrs.frozen
class OpenTimes:
    """What the dialog shows: the visit, one clinic day, and the UTC times the visit could start then."""

    visit: ScheduleRow
    day: date
    times: tuple[datetime, ...]
    zone: ZoneInfo


def visit_summary(row: ScheduleRow) -> str:
    return (f"Move {row.patient_name}'s {', '.join(row.service_names)} with {row.provider_name} "
            f"at {row.location_name}\nNow: {long_date(row.local_start.date())}, {clock_time(row.local_start)}")


class MoveVisitScreen(ModalScreen[datetime | None]):
    """Enter on a time moves the visit there; ``[`` and ``]`` (or left and right) show the day before or after."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"),
                Binding("left_square_bracket", "earlier_day", "Prev day", key_display="["),
                Binding("right_square_bracket", "later_day", "Next day", key_display="]"),
                Binding("left", "earlier_day", "Prev day", show=False),
                Binding("right", "later_day", "Next day", show=False)]

    class DayWanted(Message):
        """The front desk wants the open times of another day for this visit."""

        def __init__(self, visit: ScheduleRow, day: date) -> None:
            super().__init__()
            self.visit, self.day = visit, day

    choices: reactive[OpenTimes | None] = reactive(None, init=False)

    def __init__(self, choices: OpenTimes) -> None:
        super().__init__()
        self.set_reactive(MoveVisitScreen.choices, choices)

    def compose(self) -> ComposeResult:
        with Vertical(id="move-dialog", classes="dialog"):
            yield Static(id="move-visit", classes="title", markup=False)
            yield Static(id="move-day", markup=False)
            yield OptionList(id="move-times")
            yield Static(id="move-empty", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.watch_choices(self.choices)
        self.query_one("#move-times", OptionList).focus()

    def watch_choices(self, choices: OpenTimes | None) -> None:
        if choices is None:
            return
        self.query_one("#move-visit", Static).update(visit_summary(choices.visit))
        self.query_one("#move-day", Static).update(f"Open times on {long_date(choices.day)}  ([ and ] change day)")
        times = self.query_one("#move-times", OptionList)
        times.clear_options()
        times.add_options([clock_time(start.astimezone(choices.zone)) for start in choices.times])
        times.display = bool(choices.times)
        if choices.times:
            times.highlighted = 0
        empty = self.query_one("#move-empty", Static)
        empty.display = not choices.times
        empty.update(f"No open times on {long_date(choices.day)}.")

    def _other_day(self, days: int) -> None:
        if self.choices is not None:
            self.post_message(self.DayWanted(self.choices.visit, self.choices.day + timedelta(days=days)))

    def action_earlier_day(self) -> None:
        self._other_day(-1)

    def action_later_day(self) -> None:
        self._other_day(1)

    @on(OptionList.OptionSelected, "#move-times")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if self.choices is not None:
            self.dismiss(self.choices.times[event.option_index])

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
