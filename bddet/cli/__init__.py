"""The command-line layer: the only part of bddet that imports typer or prints."""
