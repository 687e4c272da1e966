"""A third-party connector, installed only for the tests through the hub.connectors group.

It misbehaves on purpose: it logs its token and puts it in error messages, so the tests can
prove the hub masks secrets wherever they turn up.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import SecretStr

from hub.sdk import (
    AuthenticationFailed,
    CheckResult,
    Connector,
    ConnectorConfig,
    LinkRef,
    Permanent,
    PollPage,
    RemoteRecord,
)

log = logging.getLogger("acme_hub")


class AcmeConfig(ConnectorConfig):
    kind: Literal["acme"] = "acme"
    base_url: str
    api_token: SecretStr
    expected_token: str = "right-token"


class AcmeConnector(Connector[AcmeConfig]):
    kind: ClassVar[str] = "acme"
    config_model = AcmeConfig
    remote_types: ClassVar[Mapping[str, str]] = {"ticket": "task"}
    default_mapping = Path(__file__).with_name("acme_hub.yaml")

    async def check(self) -> CheckResult:
        token = self.config.api_token.get_secret_value()
        log.warning("acme: logging in to %s with token %s", self.config.base_url, token)
        if token != self.config.expected_token:
            raise AuthenticationFailed(f"acme refused token {token}", status=401)
        return CheckResult(True, f"acme at {self.config.base_url}, token {token} accepted")

    async def poll(self, cursor: str | None) -> AsyncIterator[PollPage]:
        yield PollPage([], cursor)

    async def push(self, link: LinkRef, patch: Mapping[str, Any]) -> RemoteRecord:
        raise Permanent("acme is read-only")
