"""Local receivers for the notification channels: group robots (DingTalk, WeCom, Feishu) that
check credentials and signatures as the real services do and record what they accept, and an
SMTP server (`hub.testing.robots.smtp`). Tests and the demo point channels at them."""

from hub.testing.robots.app import Received, RobotSandbox

__all__ = ["Received", "RobotSandbox"]
