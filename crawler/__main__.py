"""``python -m crawler`` is the ``crawler`` program."""


def run() -> None:
    """The ``crawler`` program's entry point."""
    from crawler.cli import main

    main(prog_name="crawler")


if __name__ == "__main__":
    run()
