import pytest
from django.core.exceptions import ValidationError

from yiwang.accounts.models import OrgUnit, Role


@pytest.mark.django_db
def test_org_tree_rejects_wrong_parent_kinds_and_cycles(world):
    bad = OrgUnit(name="社区X", code="x1", kind=OrgUnit.Kind.COMMUNITY, parent=world.district)
    with pytest.raises(ValidationError):
        bad.full_clean()
    world.district.parent = world.street
    with pytest.raises(ValidationError):
        world.district.clean()


@pytest.mark.django_db
def test_roles_and_has_role(world):
    dispatcher = world.users["dispatcher"]
    assert dispatcher.has_role(Role.DISPATCHER)
    assert not dispatcher.has_role(Role.GRID_WORKER)
    assert world.users["admin"].has_role(Role.GRID_WORKER)  # superuser holds every role


@pytest.mark.django_db
def test_demo_accounts_are_idempotent(db):
    import io

    from yiwang.accounts import demo

    demo.load(io.StringIO())
    demo.load(io.StringIO())
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNITY).count() == 35
    assert demo.department("综合行政执法局").code == "320576052-D05"
    from django.contrib.auth import authenticate

    for name in ["admin", "leader", "dispatcher", "gridworker", "zhifa", "window", "resident"]:
        assert authenticate(username=name, password="yiwang-demo") is not None, name
