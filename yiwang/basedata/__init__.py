"""Base data (基础数据): the people, household, house and legal-entity registries
(人口库、房屋库、法人库) of the grid, with .xlsx import/export and the grid load report.

It lives beside `grids` (design.md puts base data inside grids) so that the registries and the
grid geometry evolve separately: base data only needs a grid's code and polygon, through
`grids.models.Region` and `grids.locate.locate`.

Map of the app: models.py (tables), access.py (data scope and roles), cleaning.py (field
checks), services.py (writes, audited), selectors.py (reads, scoped), sheets.py (spreadsheet
layouts), importing.py / exporting.py (.xlsx), gridload.py (网格负荷 and 盲区), api.py, admin.py,
demo.py, management/commands (import_*, export_*, grid_load, bench_import_people).
"""
