"""``python -m chatcore`` is ``chatcore``."""

from chatcore.launch import main

if __name__ == "__main__":
    main()
