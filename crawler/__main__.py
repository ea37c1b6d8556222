"""``python -m crawler`` is the ``crawler`` program."""


def run() -> None:
    """The ``crawler`` program's entry point."""
    # Imported here, not at the top: the writer process is
    # spawned, and imports the main module again; the CLI (and Scrapy
    # with it) is nothing it needs.
    from crawler.cli import main

    main(prog_name="crawler")


if __name__ == "__main__":
    run()
