"""``python -m thermidor``: the same command line as the ``thermidor`` script."""

from thermidor.cli import app

if __name__ == "__main__":
    app(prog_name="thermidor")
