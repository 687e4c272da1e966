"""What `hub sandbox <kind>` and `hub demo` need of a tool's sandbox, found through the
`hub.sandboxes` entry-point group (the way connectors are found through `hub.connectors`):

    [project.entry-points."hub.sandboxes"]
    acme = "acme_hub.sandbox:AcmeSandbox"

The class says how it is started from the command line: `options` is a pydantic model whose
fields become the command's options (`seed_tickets: int = Field(0, description=...)` is
`--seed-tickets`), `from_options` builds and seeds a sandbox from them, and the sandbox's
`welcome()` lines (credentials, knobs) are printed when it serves.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field


class SandboxOptions(BaseModel):
    """Options every sandbox takes; a sandbox subclasses it with its own."""

    model_config = ConfigDict(extra="forbid")

    seed: int = Field(default=0, description="random seed of the data and faults")


@runtime_checkable
class ServedSandbox(Protocol):
    """A sandbox `hub sandbox` can serve."""

    #: how people call the tool ("Jira")
    title: ClassVar[str]
    #: the port `hub sandbox` listens on unless told
    default_port: ClassVar[int]
    #: the command's own options
    options: ClassVar[type[SandboxOptions]]
    #: the ASGI app serving the tool's API
    app: Any

    @classmethod
    def from_options(cls, options: Any) -> ServedSandbox:
        """A sandbox built and seeded as the options say."""

    def welcome(self) -> list[str]:
        """Lines to print when it serves: how to sign in, what is seeded, its knobs."""
