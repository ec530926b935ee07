"""``python -m fastmicro`` and the ``fastmicro`` console script: the
command line of :mod:`fastmicro.cli`."""
from __future__ import annotations

import sys


def version_line() -> str:
    """The first lines of ``fastmicro --version``: the version and which
    backend (compiled or pure) each hot path uses, then Python's version."""
    import platform

    from . import __version__, speedups

    parts = ", ".join(f"{k}={v}" for k, v in speedups.backends().items())
    return (
        f"fastmicro {__version__} ({speedups.backend()} backend: {parts})"
        f"\nPython {platform.python_version()}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    from .cli import cli

    try:
        cli.main(args=sys.argv[1:] if argv is None else argv, prog_name="fastmicro")
    except SystemExit as e:
        code = e.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
