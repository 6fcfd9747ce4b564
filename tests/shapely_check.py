#!/usr/bin/env python3
"""Cross-check `onemap coverage` against shapely on a OneMap dataset (geodata/SCHEMA.md layout).

Independently of the Rust code: reads the same GeoJSON, projects it with pyproj into the same
plane (transverse Mercator on 114°E, scale 1, false easting 500 km, WGS84 ellipsoid), assigns
buildings to sub-grids with an STRtree, marks the buildings within the radius of a station of
each service (and of any station), and computes the uncovered area with 4096-gon buffers.
Then runs `onemap coverage --json --by district` and `--by street` and compares every row:
building and resident counts exactly, areas to 0.001 km² (exact circles vs 4096-gons differ
by well under that). Exits 1 on any mismatch.

Usage: shapely_check.py --onemap PATH/TO/onemap [--data geodata/guangming] [--radius 500]
Needs: numpy, shapely>=2, pyproj (pip install numpy shapely pyproj).
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import shapely
from pyproj import Transformer

LOCAL = "+proj=tmerc +lat_0=0 +lon_0=114 +k=1 +x_0=500000 +y_0=0 +ellps=WGS84 +units=m +no_defs"
SERVICES = ["appeal", "legal", "psych"]
QUAD_SEGS = 1024  # 4096-gon circles
TOL_KM2 = 0.001
TOL_SHARE = 1e-9


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--onemap", default=os.environ.get("ONEMAP_BIN", "onemap"))
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "geodata", "guangming"))
    ap.add_argument("--radius", type=float, default=500.0)
    args = ap.parse_args()
    r = args.radius
    to_m = Transformer.from_crs("EPSG:4326", LOCAL, always_xy=True)

    def proj(xy):
        x, y = to_m.transform(xy[:, 0], xy[:, 1])
        return np.c_[x, y]

    def layer(name):
        with open(os.path.join(args.data, f"{name}.geojson"), encoding="utf-8") as f:
            return json.load(f)["features"]

    def polys(features):
        geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in features])
        return shapely.transform(geoms, proj)

    districts, streets, subgrids = layer("districts"), layer("streets"), layer("subgrids")
    stations, buildings = layer("stations"), layer("buildings")
    g_district, g_street, g_sub = polys(districts), polys(streets), polys(subgrids)
    sub_street = np.array([f["properties"]["street_code"] for f in subgrids])
    sub_district = np.array([f["properties"]["district_code"] for f in subgrids])

    bxy = proj(np.array([f["geometry"]["coordinates"] for f in buildings], float))
    bpts = shapely.points(bxy)
    residents = np.array([f["properties"].get("residents", 0) for f in buildings], np.int64)
    sxy = proj(np.array([f["geometry"]["coordinates"] for f in stations], float))
    spts = shapely.points(sxy)
    offers = {s: np.array([s in f["properties"]["services"] for f in stations]) for s in SERVICES}
    offers["any"] = np.ones(len(stations), bool)

    # Building -> sub-grid (lowest index if several contain it; -1 if none).
    bi, si = shapely.STRtree(g_sub).query(bpts, predicate="within")
    sub_of = np.full(len(bpts), -1)
    order = np.lexsort((-si, bi))
    sub_of[bi[order]] = si[order]
    located = sub_of >= 0

    expected = {}  # (level, code, service) -> dict
    for svc, mask in offers.items():
        st = spts[mask]
        covered = np.zeros(len(bpts), bool)
        if len(st):
            hit = shapely.STRtree(st).query(bpts, predicate="dwithin", distance=r)[0]
            covered[hit] = True
        union = shapely.union_all(shapely.buffer(st, r, quad_segs=QUAD_SEGS)) if len(st) else None
        for level, feats, geoms, unit_of in (
            ("district", districts, g_district, sub_district),
            ("street", streets, g_street, sub_street),
        ):
            for f, g in zip(feats, geoms):
                code = f["properties"]["code"]
                inside = located & (unit_of[np.maximum(sub_of, 0)] == code)
                unc = g if union is None else shapely.difference(g, union)
                expected[(level, code, svc)] = dict(
                    buildings_total=int(inside.sum()),
                    buildings_covered=int((inside & covered).sum()),
                    residents_total=int(residents[inside].sum()),
                    residents_covered=int(residents[inside & covered].sum()),
                    area_km2=g.area / 1e6,
                    uncovered_km2=unc.area / 1e6,
                )

    failures = 0
    checked = 0
    for level in ("district", "street"):
        out = subprocess.run(
            [args.onemap, "coverage", "--json", "--by", level, "--radius", str(r), "--data", args.data],
            check=True, capture_output=True, text=True,
        )
        rows = json.loads(out.stdout)["rows"]
        seen = set()
        for row in rows:
            svc = row["service"] or "any"
            key = (level, row["code"], svc)
            seen.add(key)
            want = expected.get(key)
            if want is None:
                print(f"MISMATCH {key}: onemap has a row shapely does not")
                failures += 1
                continue
            problems = []
            for k in ("buildings_total", "buildings_covered", "residents_total", "residents_covered"):
                if row[k] != want[k]:
                    problems.append(f"{k} onemap {row[k]} shapely {want[k]}")
            for k in ("area_km2", "uncovered_km2"):
                if abs(row[k] - want[k]) > TOL_KM2:
                    problems.append(f"{k} onemap {row[k]:.6f} shapely {want[k]:.6f}")
            if want["buildings_total"]:
                share = want["buildings_covered"] / want["buildings_total"]
                if abs(row["building_share"] - share) > TOL_SHARE:
                    problems.append(f"building_share onemap {row['building_share']} shapely {share}")
            checked += 1
            if problems:
                failures += 1
                print(f"MISMATCH {key}: " + "; ".join(problems))
        for key in expected:
            if key[0] == level and key not in seen:
                print(f"MISMATCH {key}: shapely has a row onemap does not")
                failures += 1

    for svc in SERVICES + ["any"]:
        for (level, code, s), w in expected.items():
            if level == "district" and s == svc:
                bs = w["buildings_covered"] / max(w["buildings_total"], 1)
                rs = w["residents_covered"] / max(w["residents_total"], 1)
                print(f"{code} {svc:<6}: buildings {bs:.4%}, residents {rs:.4%}, "
                      f"uncovered {w['uncovered_km2']:.3f} of {w['area_km2']:.3f} km² (shapely)")
    print(f"{checked} rows compared, {failures} mismatches")
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
