"""The demo of 业务对接: the key `yiwang-demo-key` works and a second load changes nothing."""

import io

from yiwang.integrations import demo
from yiwang.integrations.models import Open311ApiKey, Open311ServiceAttribute


def test_demo_key_is_created_once_and_works(db):
    out = io.StringIO()
    demo.load(out)
    demo.load(out)
    assert "yiwang-demo-key" in out.getvalue()
    assert Open311ApiKey.objects.count() == 1
    key = Open311ApiKey.find_active("yiwang-demo-key")
    assert key is not None and key.user.username == "open311"
    assert not key.user.has_usable_password()
    assert Open311ServiceAttribute.objects.filter(code__in=["plate", "amount"]).count() == 2
