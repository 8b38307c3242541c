"""copbot's shipped defaults and content: ``default.toml``, ``roles.toml``, ``icebreakers.toml``.

This folder is a package only so that the files travel inside the wheel and are found with
:mod:`importlib.resources` wherever copbot is installed (a wheel, ``pipx``, a container), not
relative to the working folder. It holds no code.
"""
