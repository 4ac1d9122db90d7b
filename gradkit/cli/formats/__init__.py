"""The output formats of ``gradkit check``, one module each, all rendered from a
:class:`~gradkit.cli.summary.Summary`: :mod:`~gradkit.cli.formats.text`,
:mod:`~gradkit.cli.formats.json_report`, :mod:`~gradkit.cli.formats.junit` and
:mod:`~gradkit.cli.formats.github`."""
