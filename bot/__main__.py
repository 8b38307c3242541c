"""``python -m bot run`` is the same as ``copbot run``."""

from bot.cli import main

raise SystemExit(main())
