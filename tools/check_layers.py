#!/usr/bin/env python3
"""Check that the project's apps import only downward (docs/architecture.md, "Layers").

    python tools/check_layers.py [ROOT]

ROOT is the project's root (default: the current directory). The layers are read from
ROOT/config/layers.py, whose `LAYERS` is a literal tuple of tuples of app names, bottom first; the
file is parsed, not imported, so the check needs neither Django nor a database.

Every module of every app is read (migrations and tests are not: they are not part of the running
code's layering). A module breaks the layering when it imports, by any of these forms:

    import surveys.models            from surveys import services
    from ..surveys import x          importlib.import_module("surveys.tally")

an app on its own layer or a higher one. An app directory (one with an apps.py) that
config/layers.py does not place is reported too, so a new app cannot slip past the check.

Prints one line per problem and a summary; exit status 1 when there is a problem, else 0.
Standard library only, so it runs before anything is installed.
"""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

LAYERS_FILE = Path("config") / "layers.py"
SKIPPED_DIRS = {"migrations", "tests", "__pycache__"}


class LayersFileError(Exception):
    """config/layers.py is missing or does not hold a literal LAYERS."""


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    text: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.text}"


def read_layers(root: Path) -> dict[str, int]:
    """{app: layer number, 1 for the bottom layer} from ROOT/config/layers.py."""
    path = root / LAYERS_FILE
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError) as exc:
        raise LayersFileError(f"{path}: {exc}") from exc
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "LAYERS" for target in node.targets
        ):
            try:
                layers = ast.literal_eval(node.value)
            except ValueError as exc:
                raise LayersFileError(f"{path}:{node.lineno}: LAYERS is not a literal") from exc
            break
    else:
        raise LayersFileError(f"{path}: no LAYERS assignment")
    placed = {}
    for number, layer in enumerate(layers, 1):
        if isinstance(layer, str) or not all(isinstance(app, str) for app in layer):
            raise LayersFileError(f"{path}: layer {number} is not a tuple of app names")
        for app in layer:
            if app in placed:
                raise LayersFileError(f"{path}: {app} is on two layers")
            placed[app] = number
    return placed


def module_name(root: Path, path: Path) -> tuple[str, bool]:
    """The dotted name of the module at `path`, and whether it is a package's __init__."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str | None:
    """The absolute name a `from <dots><target> import ...` refers to ("" for the root itself), or
    None if it climbs above the root."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    keep = len(package) - (level - 1)
    if keep < 0:
        return None
    base = package[:keep]
    if target:
        base.append(target)
    return ".".join(base)


def imports_of(tree: ast.AST, module: str, is_package: bool):
    """(line, imported dotted name) for every import in the module, static or by import_module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.lineno, node.module or ""
            else:
                name = resolve_relative(module, is_package, node.level, node.module)
                if name is None:
                    continue
                if name:
                    yield node.lineno, name
                if not node.module:  # `from .. import surveys`: the names may be modules
                    for alias in node.names:
                        yield node.lineno, f"{name}.{alias.name}" if name else alias.name
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if called == "import_module" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                if not first.value.startswith("."):
                    yield node.lineno, first.value


def app_dirs(root: Path) -> list[str]:
    """The directories under ROOT that are Django apps (they have an apps.py)."""
    return sorted(p.parent.name for p in root.glob("*/apps.py"))


def check(root: Path) -> list[Problem]:
    """Every problem of the layering under ROOT (an empty list when there is none)."""
    layers = read_layers(root)
    problems = [
        Problem(f"{app}/apps.py", 1, f"app {app} has no layer in {LAYERS_FILE.as_posix()}")
        for app in app_dirs(root)
        if app not in layers
    ]
    for app, layer in layers.items():
        app_dir = root / app
        if not app_dir.is_dir():
            problems.append(Problem(LAYERS_FILE.as_posix(), 1, f"app {app} is placed but has no directory"))
            continue
        for path in sorted(app_dir.rglob("*.py")):
            relative = path.relative_to(root)
            if SKIPPED_DIRS.intersection(relative.parts[:-1]) or path.name.startswith("test_"):
                continue
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            except (SyntaxError, UnicodeDecodeError) as exc:
                line = getattr(exc, "lineno", 0) or 0
                problems.append(Problem(relative.as_posix(), line, f"cannot read: {exc}"))
                continue
            module, is_package = module_name(root, path)
            seen = set()
            for line, name in imports_of(tree, module, is_package):
                target = name.split(".")[0]
                if target == app or target not in layers or (line, target) in seen:
                    continue
                seen.add((line, target))
                if layers[target] >= layer:
                    how = "a higher" if layers[target] > layer else "its own"
                    problems.append(
                        Problem(
                            relative.as_posix(),
                            line,
                            f"{app} (layer {layer}) imports {target} (layer {layers[target]}),"
                            f" on {how} layer",
                        )
                    )
    return problems


def main(argv: list[str]) -> int:
    if len(argv) > 1 or (argv and argv[0] in ("-h", "--help")):
        print(__doc__.strip())
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    root = Path(argv[0] if argv else ".").resolve()
    try:
        problems = check(root)
    except LayersFileError as exc:
        print(f"check_layers: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    print(f"layering: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
