"""``python -m innkeeper``: the same CLI as the ``innkeeper`` command."""

from innkeeper.cli import app

app()
