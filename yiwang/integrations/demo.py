"""Demo data of 业务对接: the Open311 client account and its API key `yiwang-demo-key`, and two
service attributes (service definitions with metadata). Idempotent."""

from __future__ import annotations

from yiwang.integrations.models import Open311ApiKey, Open311ServiceAttribute, hash_key

DEMO_KEY = "yiwang-demo-key"
ATTRIBUTES = [
    # (category code, code, datatype, required, description, values)
    ("09009", "plate", "string", False, "车牌号（如能看清）", []),
    (
        "06010",
        "amount",
        "singlevaluelist",
        False,
        "垃圾量",
        [
            {"key": "small", "name": "少量（一袋以内）"},
            {"key": "large", "name": "大量（需车辆清运）"},
        ],
    ),
]


def load(stdout) -> None:
    from yiwang.accounts.models import User
    from yiwang.workorders.models import Category

    user, _ = User.objects.get_or_create(
        username="open311", defaults={"display_name": "Open311 接口（演示客户端）"}
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    key = Open311ApiKey.objects.filter(key_hash=hash_key(DEMO_KEY)).first()
    if key is None:
        key = Open311ApiKey(name="演示客户端 (FixMyStreet 等)", user=user)
        key.set_key(DEMO_KEY)
        key.save()
    for code, attr, datatype, required, description, values in ATTRIBUTES:
        category = Category.objects.filter(code=code).first()
        if category is None:
            continue
        Open311ServiceAttribute.objects.update_or_create(
            category=category,
            code=attr,
            defaults={
                "datatype": datatype,
                "required": required,
                "description": description,
                "values": values,
                "order": 1,
            },
        )
    stdout.write(f"Open311 GeoReport v2: /open311/v2/services.json，api_key = {DEMO_KEY}\n")
