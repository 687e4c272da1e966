"""A process that delivers the outbox once (tests/rules/test_crash.py kills it half-way)."""

from __future__ import annotations

import asyncio
import sys

from pydantic import SecretStr

from hub.config.models import HubConfig
from hub.config.rules import DingTalkChannel
from hub.notify.outbox import deliver_due
from hub.sdk.registry import Registry
from hub.store.db import make_engine
from hub.sync.runtime import Runtime


def main(database_url: str, webhook: str) -> None:
    channel = DingTalkChannel(kind="dingtalk", webhook=SecretStr(webhook))
    config = HubConfig(channels={"robot": channel})
    rt = Runtime(config, Registry(), make_engine(database_url))
    asyncio.run(deliver_due(rt))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
