import pytest

from yiwang.basedata.gridload import grid_load_report
from yiwang.basedata.models import Household, Person
from yiwang.basedata.tests.helpers import GRID_A, GRID_B, GRID_C, GRID_D, make_id
from yiwang.core.errors import Forbidden, NotFound, ValidationFailed

pytestmark = pytest.mark.django_db
STREET = "320571001"


def _populate(world, counts: dict):
    """`counts`: grid code -> number of households (each with one person)."""
    from yiwang.grids.models import Region

    n = 0
    for code, households in counts.items():
        grid = Region.objects.get(code=code)
        for i in range(households):
            hh = Household.objects.create(code=f"{code}-{i}", grid=grid)
            n += 1
            person = Person(name="居民", grid=grid, household=hh)
            person.set_id_number(make_id(n))
            person.save()


@pytest.fixture
def small_standard(settings):
    settings.YIWANG_GRID_HOUSEHOLDS_MIN = 2
    settings.YIWANG_GRID_HOUSEHOLDS_MAX = 3


def test_flags_empty_under_normal_overloaded(world, small_standard):
    _populate(world, {GRID_A: 4, GRID_B: 2, GRID_C: 1})
    report = grid_load_report(user=world.users["leader"], street=STREET)
    status = {r["code"]: r["status"] for r in report["grids"]}
    assert status == {GRID_A: "overloaded", GRID_B: "normal", GRID_C: "under", GRID_D: "empty"}
    labels = {r["code"]: r["status_label"] for r in report["grids"]}
    assert labels[GRID_A] == "超载" and labels[GRID_D] == "空置"
    assert report["summary"]["households"] == 7 and report["summary"]["people"] == 7
    assert report["standard"] == {"households_min": 2, "households_max": 3}
    # the four grids tile the street: no blind area
    assert report["blind_area"]["area_m2"] == 0
    assert report["blind_area"]["coverage"] == 1


def test_default_standard_is_300_to_500(world):
    _populate(world, {GRID_A: 1})
    report = grid_load_report(user=world.users["leader"], street=STREET)
    assert report["standard"] == {"households_min": 300, "households_max": 500}
    assert {r["code"]: r["status"] for r in report["grids"]}[GRID_A] == "under"


def test_missing_grid_leaves_a_blind_area(world):
    world.regions["D"].delete()
    report = grid_load_report(user=world.users["dispatcher"], street=STREET)
    blind = report["blind_area"]
    # grid D was 0.01° × 0.01° at 31.015°N: about 955 m × 1109 m
    assert 1.04e6 < blind["area_m2"] < 1.08e6
    assert len(blind["polygons"]["features"]) == 1
    feature = blind["polygons"]["features"][0]
    assert feature["geometry"]["type"] == "Polygon"
    xs = [pt[0] for pt in feature["geometry"]["coordinates"][0]]
    assert min(xs) == pytest.approx(120.01) and max(xs) == pytest.approx(120.02)
    assert 0.74 < blind["coverage"] < 0.76


def test_special_grids_are_not_judged_by_households(world):
    grid = world.regions["D"]
    grid.kind = "special"
    grid.save()
    report = grid_load_report(user=world.users["leader"], street=STREET)
    row = next(r for r in report["grids"] if r["code"] == GRID_D)
    assert row["status"] == "special" and report["summary"]["empty"] == 3


def test_grid_worker_sees_own_grid_and_no_blind_area(world):
    report = grid_load_report(user=world.users["grid_a"], street=STREET)
    assert [r["code"] for r in report["grids"]] == [GRID_A]
    assert report["blind_area"] is None and report["warnings"]


def test_street_can_be_omitted_when_only_one(world):
    assert grid_load_report(user=world.users["leader"])["street"]["code"] == STREET


def test_refusals(world):
    with pytest.raises(Forbidden):
        grid_load_report(user=world.users["resident"], street=STREET)
    with pytest.raises(NotFound):
        grid_load_report(user=world.users["leader"], street="999999999")
    with pytest.raises(ValidationFailed):
        grid_load_report(
            user=world.users["leader"], street=STREET, min_households=9, max_households=3
        )


def test_one_community_and_its_blind_area(world, small_standard):
    _populate(world, {GRID_C: 4})
    world.regions["A"].delete()
    report = grid_load_report(user=world.users["leader"], community="320571001002")
    assert [r["code"] for r in report["grids"]] == [GRID_C, GRID_D]
    assert report["community"]["name"] == "西社区" and report["blind_area"]["area_m2"] == 0
    east = grid_load_report(user=world.users["leader"], community="320571001001")
    assert 1.04e6 < east["blind_area"]["area_m2"] < 1.08e6  # grid A is gone: half of 东社区
    with pytest.raises(NotFound):
        grid_load_report(user=world.users["grid_b"], community="320571001002")
