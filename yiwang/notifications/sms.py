"""The SMS gateway interface (短信网关): a logging fake by default, a real HTTP gateway when
configured. Environment variables (read when a message is sent):

    YIWANG_SMS_GATEWAY       `log` (default: write the message to the log, send nothing) or `http`
    YIWANG_SMS_HTTP_URL      the gateway's endpoint; each message is POSTed as JSON
                             {"phone": "...", "text": "...", "sign": "..."}; any 2xx is success
                             and a JSON answer's `id` / `message_id` is kept as the receipt
    YIWANG_SMS_HTTP_TOKEN    sent as `Authorization: Bearer <token>` when set
    YIWANG_SMS_SIGN          the signature (短信签名), default 【一网】
    YIWANG_SMS_TIMEOUT       seconds per request, default 5
    YIWANG_SMS_MAX_ATTEMPTS  attempts before a message is given up, default 5
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from typing import Protocol

logger = logging.getLogger("yiwang.notifications.sms")


class SmsError(Exception):
    """The gateway did not take the message; the worker will try again."""


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Send one message; return the gateway's receipt id; raise SmsError on failure."""


class LoggingGateway:
    """The fake: logs the message (phone masked) and reports success."""

    def send(self, phone: str, text: str) -> str:
        logger.info("SMS (logging gateway) to %s***%s: %s", phone[:3], phone[-2:], text)
        return "logged"


class HttpGateway:
    def __init__(self, url: str, *, token: str = "", sign: str = "", timeout: float = 5.0):
        self.url, self.token, self.sign, self.timeout = url, token, sign, timeout

    def send(self, phone: str, text: str) -> str:
        body = json.dumps({"phone": phone, "text": text, "sign": self.sign}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST")
        request.add_header("Content-Type", "application/json; charset=utf-8")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                raw = answer.read(65536)
        except urllib.error.HTTPError as exc:
            raise SmsError(f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"网关不可达：{exc}") from exc
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            data = {}
        receipt = data.get("id") or data.get("message_id") if isinstance(data, dict) else None
        return str(receipt or "")[:100]


def max_attempts() -> int:
    return int(os.environ.get("YIWANG_SMS_MAX_ATTEMPTS", 5))


def sign() -> str:
    return os.environ.get("YIWANG_SMS_SIGN", "【一网】")


def get_gateway() -> SmsGateway:
    kind = os.environ.get("YIWANG_SMS_GATEWAY", "log").strip().lower()
    if kind == "http":
        url = os.environ.get("YIWANG_SMS_HTTP_URL", "")
        if not url.startswith(("http://", "https://")):
            raise SmsError("YIWANG_SMS_HTTP_URL 未设置或不是 http(s) 地址")
        return HttpGateway(
            url,
            token=os.environ.get("YIWANG_SMS_HTTP_TOKEN", ""),
            sign=sign(),
            timeout=float(os.environ.get("YIWANG_SMS_TIMEOUT", 5)),
        )
    return LoggingGateway()
