"""`hub connector new NAME`: a working plugin package for a new tool, as a starting point: a
declared connector (manifest, hooks, mapping), a sandbox of the tool's API on the sandbox kit,
the conformance suite run against it, and the entry points that make `hub check`,
`hub sandbox NAME` and `hub config schema` find it. It passes its own tests as generated;
then describe the real tool in it, one piece at a time.

The templates are the files under `package/`, with `${kind}`, `${package}`, `${Class}`,
`${Title}` and `${dist}` filled in (`string.Template`: ten lines, no template engine).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Names:
    """What a new connector is called, in each place it is named."""

    kind: str

    @property
    def package(self) -> str:
        return f"hub_{self.kind}"

    @property
    def dist(self) -> str:
        return f"hub-{self.kind.replace('_', '-')}"

    @property
    def cls(self) -> str:
        return "".join(part.title() for part in self.kind.split("_"))

    @property
    def title(self) -> str:
        return self.kind.replace("_", " ").title()


def check_name(name: str) -> str | None:
    """Why `name` can't be a connector kind, or None."""
    if not _NAME.fullmatch(name):
        return (f'"{name}" is not a connector kind: lower-case letters, digits and _, starting '
                "with a letter (e.g. clickup, service_now)")
    return None


def render(names: Names) -> dict[str, str]:
    """Relative path -> content of every file of the new package."""
    values = {"kind": names.kind, "package": names.package, "Class": names.cls,
              "Title": names.title, "dist": names.dist, "KIND": names.kind.upper()}
    root = resources.files(__package__).joinpath("package")
    out: dict[str, str] = {}

    def walk(node: resources.abc.Traversable, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name == "__pycache__":
                continue
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
                continue
            name = child.name.removesuffix(".tmpl").replace("PACKAGE", names.package)
            out[f"{prefix}{name}"] = Template(child.read_text(encoding="utf-8")) \
                .substitute(values)

    walk(root, "")
    return {path.replace("PACKAGE/", f"{names.package}/"): text for path, text in out.items()}


def write(names: Names, directory: Path) -> list[Path]:
    """Write the package into `directory` (which must not exist yet); the files written."""
    directory.mkdir(parents=True)
    written = []
    for relative, text in render(names).items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
