"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) under /open311/v2/.

The wire format is Open311's own, not yiwang's: JSON or XML chosen by the `.json` / `.xml`
suffix, errors as `[{"code": 400, "description": "..."}]` (XML `<errors><error>`), datetimes
in W3C / ISO 8601 with an offset (+08:00). Modules:

- `formats`: the JSON and XML renderers and the error document;
- `parsing`: reading POST bodies (form, multipart, JSON) and query filters, FixMyStreet quirks;
- `documents`: work orders and categories as Open311 dictionaries;
- `openapi`: the OpenAPI 3 description served at /open311/v2/openapi.json;
- `views`: the thin HTTP layer.
"""
