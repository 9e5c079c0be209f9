"""``python -m rekg``: the command line."""

from rekg.api.cli import main

main()
