import json


def polygon(*points, close=True) -> dict:
    ring = [list(p) for p in points]
    if close:
        ring.append(list(points[0]))
    return {"type": "Polygon", "coordinates": [ring]}


def box(lon: float, lat: float, w: float, h: float | None = None) -> dict:
    h = w if h is None else h
    return polygon((lon, lat), (lon + w, lat), (lon + w, lat + h), (lon, lat + h))


def feature(geometry, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()
