"""``python -m chatcore`` is ``chatcore``."""

from chatcore.cli import main

if __name__ == "__main__":
    main()
