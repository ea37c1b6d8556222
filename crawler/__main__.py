"""``python -m crawler`` is the ``crawler`` program."""

from crawler.cli import main

# Guarded: the store writer's child process imports this module again.
if __name__ == "__main__":
    main(prog_name="crawler")
