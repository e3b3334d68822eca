"""``python -m coursework student|grade|markup …`` (see ``make student``, ``make grade``)."""
import argparse
import sys
from pathlib import Path


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("student", "grade", "markup"):
        print("usage: python -m coursework {student,grade,markup} …  (-h after a command for help)")
        return 2
    command, rest = argv[0], argv[1:]
    if command == "grade":
        from .grade import main as grade_main
        return grade_main(rest)
    if command == "markup":
        from .markup import main as markup_main
        return markup_main(rest)
    from .student import build
    parser = argparse.ArgumentParser(prog="python -m coursework student",
                                     description="write the student edition of the book")
    parser.add_argument("--out", type=Path, default=Path("_build/student"))
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--no-site", action="store_true", help="skip building the student website")
    a = parser.parse_args(rest)
    notebooks = build(a.root, a.out, site=not a.no_site)
    print(f">>> student edition in {a.out}: {len(notebooks)} notebooks without solutions"
          + ("" if a.no_site else f"; website in {a.out / '_build' / 'html'}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
