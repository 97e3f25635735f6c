"""An import-linter contract type: other packages import a package only through its front door.

``[tool.importlinter]`` in pyproject.toml names it (``type = "scripts.import_contracts:..."``;
``lint-imports`` puts the working directory on ``sys.path``).  The rule, for an import from one
of the listed packages into another:

- ``from store import Listing`` (the package itself: what its ``__init__`` exports) is allowed;
- ``from store import audit`` / ``from store.audit import record`` is allowed only when the
  package's ``__init__`` declares ``audit`` in its module-level ``__public_modules__`` tuple;
- anything else (``from store.models import Listing``) reaches into a private module and breaks
  the contract.

Imports inside a package, and tests (not a root package), are free.  ``__public_modules__`` is
read from the ``__init__`` source, so checking imports no project code.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import grimp
from importlinter import Contract, ContractCheck, fields, output

DECLARATION = "__public_modules__"


def declared_public_modules(package: str) -> tuple[str, ...]:
    """The submodule names ``package/__init__.py`` lists in ``__public_modules__`` (unimported)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ValueError(f"package {package!r} is not importable from here")
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"), spec.origin)
    for node in tree.body:
        target: ast.expr | None = None
        value_node: ast.expr | None = None
        if isinstance(node, ast.AnnAssign):
            target, value_node = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value_node = node.targets[0], node.value
        if isinstance(target, ast.Name) and target.id == DECLARATION and value_node is not None:
            value = ast.literal_eval(value_node)
            if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{package}.{DECLARATION} must be a tuple of module names")
            return value
    return ()


class PublicSurfaceContract(Contract):
    """Cross-package imports name the package or one of its declared public modules.

    Configuration options:

        - packages: the packages whose surface is enforced (also the importers checked).
    """

    type_name = "public_surface"

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        packages: list[str] = list(self.packages)  # type: ignore[call-overload]
        allowed: dict[str, set[str]] = {}
        undeclared: list[str] = []
        for package in packages:
            public = {f"{package}.{name}" for name in declared_public_modules(package)}
            undeclared += sorted(m for m in public if m not in graph.modules)
            allowed[package] = public | {package}
        broken: list[dict[str, object]] = []
        for importer in sorted(graph.modules):
            source = importer.split(".")[0]
            if source not in allowed:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                target = imported.split(".")[0]
                if target == source or target not in allowed or imported in allowed[target]:
                    continue
                details = graph.get_import_details(importer=importer, imported=imported)
                lines = sorted({d["line_number"] for d in details})
                broken.append({"importer": importer, "imported": imported, "lines": lines})
                if verbose:
                    output.verbose_print(verbose, f"{importer} reaches into {imported}")
        return ContractCheck(
            kept=not broken and not undeclared,
            warnings=[],
            metadata={"broken": broken, "undeclared": undeclared},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for module in check.metadata["undeclared"]:
            output.print_error(f"{module} is declared public but does not exist", bold=False)
        if check.metadata["broken"]:
            output.print_error(
                "Import the package (what its __init__ exports) or a module it lists in "
                f"{DECLARATION}, never a private module:",
                bold=False,
            )
            output.new_line()
        for link in check.metadata["broken"]:
            lines = ", ".join(map(str, link["lines"]))
            output.print_error(
                f"- {link['importer']} reaches into {link['imported']} (l.{lines})", bold=False
            )
        output.new_line()
