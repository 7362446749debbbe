"""The ``instantly-pulumi`` command line: the operator's tools around the library.

One module per command (``discover``, ``audit``, ``transfer-owner``,
``leave-group``, ``fleet``, ``demo``); :mod:`.main` assembles them into one
typer app, and :mod:`.common` holds what they share (the API client from the
environment, output for people and ``--json``, exit codes). Nothing in the
library a Pulumi program imports depends on this package.
"""
