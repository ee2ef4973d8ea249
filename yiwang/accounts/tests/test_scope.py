import pytest

from yiwang.accounts.scope import access_or_404, data_scope
from yiwang.core.errors import NotFound
from yiwang.grids.models import Region


@pytest.mark.django_db
def test_scopes_of_personas(world):
    u = world.users
    assert data_scope(u["admin"]).is_global
    assert data_scope(u["dispatcher"]).region_prefixes == ("320571001",)
    assert data_scope(u["grid_a"]).grid_codes == ("320571001001001",)
    assert data_scope(u["zhifa"]).department_ids == (world.department.pk,)


@pytest.mark.django_db
def test_grid_worker_sees_own_grid_and_its_ancestors_only(world):
    visible = set(Region.objects.visible_to(world.users["grid_a"]).values_list("name", flat=True))
    assert visible == {"网格A", "东社区", "测试街道"}
    assert Region.objects.visible_to(world.users["dispatcher"]).count() == 7


@pytest.mark.django_db
def test_access_helper_hides_existence(world):
    grid_b = world.regions["B"]
    with pytest.raises(NotFound):
        access_or_404(Region.objects, user=world.users["grid_a"], pk=grid_b.pk)
    with pytest.raises(NotFound):
        access_or_404(Region.objects, user=world.users["grid_a"], pk=999999)
