"""The dashboard's languages: English and Simplified Chinese, chosen by a switch (a cookie) or
Accept-Language; dates, numbers and money written the way each reads them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

LANGUAGES = ("en", "zh")
COOKIE = "hub_lang"
#: English text -> Simplified Chinese (text without an entry shows in English)
ZH: dict[str, str] = {
    "Portfolio": "项目组合", "Project": "项目", "Conflicts": "冲突", "Sync health": "同步状态",
    "Activity": "动态", "Workload": "工作负荷", "Board": "看板", "Plan": "计划",
    "Sign in": "登录", "Sign out": "退出登录", "API token": "API 令牌",
    "Sign in with": "登录：", "or": "或",  # noqa: RUF001
    "Paste your API token once; the hub keeps you signed in with a session cookie.":
        "粘贴一次 API 令牌；之后中心通过会话 Cookie 保持登录。",  # noqa: RUF001
    "Department": "部门", "Status": "状态", "Risk": "风险", "Search": "搜索", "Sort": "排序",
    "Filter": "筛选", "any": "全部", "at risk": "有风险", "on track": "正常",
    "Due": "截止日期", "Progress": "进度", "Budget": "预算", "Risks": "风险",
    "Open conflicts": "未解决冲突", "Tools": "工具", "Name": "名称", "Key": "编号",
    "done": "已完成", "expected by today": "按计划今日应完成", "No projects match.":
        "没有符合条件的项目。", "Tasks by status": "按状态的任务", "Burn-up": "燃起图",
    "Budget lines": "预算明细", "Cost center": "成本中心", "Approved": "已批准",
    "Actual": "实际", "Burn": "消耗", "Absences before due dates": "截止日期前的缺勤",
    "On-time rate": "准时率", "Latest changes": "最近变更", "Who": "谁", "What": "什么",
    "From": "来源", "When": "时间", "Field": "字段", "Value": "值", "Keep this": "保留此值",
    "Connector": "连接器", "Last poll": "上次轮询", "Lag": "延迟",
    "Errors (24 h)": "错误（24 小时）",  # noqa: RUF001
    "Quarantined": "隔离", "Failed pushes": "推送失败", "Retry": "重试", "Reason": "原因",
    "Payload": "数据", "Pending": "待处理", "Person": "人员", "Tool": "工具",
    "Open tasks": "未完成任务", "Due this week": "本周到期", "Due next week": "下周到期",
    "Absences": "缺勤", "Language": "语言", "Planned": "计划", "Done": "完成",
    "No open conflicts.": "没有未解决的冲突。", "Nothing to show.": "没有内容。",
    "Overdue": "逾期", "Assignees": "负责人", "Title": "标题", "Move to": "移动到",
    "Dashboard": "仪表板", "Reason for the risk": "风险原因", "Rate": "比率",
    "Previous sign-in failed": "登录失败", "Refresh": "刷新", "per department": "按部门",
    "per partner": "按合作伙伴", "Webhook last received": "上次收到 Webhook",
    "Rate limit used": "已用速率限制", "Apply": "应用", "Clear": "清除",
    "todo": "待办", "in_progress": "进行中", "blocked": "受阻", "in_review": "审核中",
    "cancelled": "已取消", "planned": "计划中", "active": "进行中", "on_hold": "暂停",
    "unknown": "未知", "pending": "待定", "approved": "已批准", "rejected": "已拒绝",
    "over_budget": "超预算", "Portal": "合作伙伴门户", "Shared projects": "共享项目",
    "Your requests": "您的请求", "Send a request": "提交请求", "Kind": "类型",
    "Details": "详情", "Document link": "文档链接", "Send": "提交",
    "Skip to content": "跳到内容", "Today": "今天", "Move a bar": "调整任务条", "Tasks": "任务",
    "tasks without dates are not on the chart.": "个无日期的任务未显示在图中。",
    "Change request": "变更请求", "Issue": "问题", "Delivery report": "交付报告",
}
_MONEY = {"EUR": "€", "USD": "$", "CNY": "¥", "GBP": "£", "JPY": "¥"}


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The switch's choice, else the first language of Accept-Language the hub speaks."""
    if cookie in LANGUAGES:
        return str(cookie)
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _sep, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        ranked.append((-weight, i, tag.strip().lower()))
    for _w, _i, tag in sorted(ranked):
        base = tag.split("-")[0]
        if base in LANGUAGES:
            return base
    return "en"


class Texts:
    """What a page says, in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "en"

    def __call__(self, text: str) -> str:
        return ZH.get(text, text) if self.lang == "zh" else text

    def date(self, value: Any) -> str:
        """A date (or ISO text) as people of this language write it."""
        day = as_date(value)
        if day is None:
            return "—"
        if self.lang == "zh":
            return f"{day.year}年{day.month}月{day.day}日"
        return day.strftime("%d %b %Y").lstrip("0")

    def moment(self, value: Any) -> str:
        """A time, to the minute (UTC)."""
        at = _as_datetime(value)
        if at is None:
            return "—"
        clock = at.strftime("%H:%M")
        if self.lang == "zh":
            return f"{at.year}年{at.month}月{at.day}日 {clock}"
        return f"{at.strftime('%d %b %Y').lstrip('0')} {clock}"

    def number(self, value: Any, places: int = 0) -> str:
        amount = _as_decimal(value)
        return "—" if amount is None else f"{amount:,.{places}f}"

    def money(self, value: Any, currency: str | None) -> str:
        amount = _as_decimal(value)
        if amount is None:
            return "—"
        symbol = _MONEY.get(currency or "")
        text = f"{amount:,.2f}"
        if symbol and self.lang == "zh" and currency == "CNY":
            return f"¥{text}"
        return f"{symbol}{text}" if symbol else f"{text} {currency or ''}".strip()

    def percent(self, ratio: float | None) -> str:
        return "—" if ratio is None else f"{ratio * 100:.0f}%"


def as_date(value: Any) -> date | None:
    """A date from a date, a datetime or an ISO text (its first ten characters); else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _as_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
