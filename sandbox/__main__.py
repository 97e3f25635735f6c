"""``python -m sandbox serve|truth``: the same commands as ``lantian sandbox``, without
importing the rest of the application (starts in well under a second)."""

from sandbox.cli import app

if __name__ == "__main__":
    app(prog_name="python -m sandbox")
