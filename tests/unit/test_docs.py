"""Generated documentation stays in step with the code it describes."""

from __future__ import annotations

from pathlib import Path

from innkeeper.bookings.diagram import BEGIN, END, document_block

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_booking_state_diagram_is_generated_from_the_table() -> None:
    text = (DOCS / "bookings.md").read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == document_block(), (
        "docs/bookings.md is stale: paste the output of python -m innkeeper.bookings.diagram"
    )
