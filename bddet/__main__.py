"""`python -m bddet` runs the CLI."""
from .cli.app import main

main()
