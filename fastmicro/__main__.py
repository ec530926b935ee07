"""``python -m fastmicro`` and the ``fastmicro`` console script."""
from __future__ import annotations

import sys


def version_line() -> str:
    import platform

    from . import __version__, speedups

    parts = ", ".join(f"{k}={v}" for k, v in speedups.backends().items())
    return (
        f"fastmicro {__version__} ({speedups.backend()} backend: {parts})"
        f"\nPython {platform.python_version()}"
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--version"]:
        print(version_line())
        return 0
    print("usage: fastmicro --version", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
