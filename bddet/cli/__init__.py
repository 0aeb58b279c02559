"""The command-line layer: the only part of bddet that imports typer or rich, or prints.

Each command parses its options, calls one library function and renders the dataclass it
returns. Nothing below imports cli/: the library never knows it is in a terminal.
"""
