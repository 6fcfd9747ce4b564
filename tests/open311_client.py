#!/usr/bin/env python3
"""An Open311 GeoReport v2 client written to the standard (http://wiki.open311.org/GeoReport_v2),
with Python's standard library only and no knowledge of OneMap beyond the endpoint URL, an API
key and a jurisdiction id. It lists the services (JSON and XML), reads a service definition,
posts a request form-encoded exactly as the specification's example does, and reads it back by
id and through the standard filters, checking the fields and formats the standard prescribes.

    python3 tests/open311_client.py ENDPOINT API_KEY JURISDICTION_ID [LAT LONG]

ENDPOINT is the GeoReport v2 base, e.g. http://127.0.0.1:8730/open311/v2. Prints one line per
check and exits 0 when every check holds.
"""

import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

W3C_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")
REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
    "long", "media_url",
]
checks = 0


def check(cond, what):
    global checks
    if not cond:
        print(f"FAIL {what}")
        sys.exit(1)
    checks += 1
    print(f"ok   {what}")


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read()


def post(url, fields):
    data = urllib.parse.urlencode(fields).encode("utf-8")
    req = urllib.request.Request(
        url, data=data, method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        sys.exit(2)
    endpoint, api_key, jurisdiction = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    lat, lon = (sys.argv[4], sys.argv[5]) if len(sys.argv) > 5 else ("22.7506", "113.9260")
    j = urllib.parse.urlencode({"jurisdiction_id": jurisdiction})

    # GET services.json / .xml
    status, ctype, body = get(f"{endpoint}/services.json?{j}")
    services = json.loads(body)
    check(status == 200 and "json" in ctype, "GET services.json answers JSON")
    check(isinstance(services, list) and len(services) > 0, f"{len(services)} services listed")
    for s in services:
        for k in ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]:
            if k not in s:
                check(False, f"service {s} has {k}")
    check(all(s["type"] in ("realtime", "batch", "blackbox") for s in services), "every service type is realtime, batch or blackbox")
    status, ctype, body = get(f"{endpoint}/services.xml?{j}")
    root = ET.fromstring(body)
    check(root.tag == "services" and len(root.findall("service")) == len(services), "GET services.xml lists the same services")
    check(root.find("service/service_code") is not None, "each XML service has its service_code")

    # GET services/{code}.json for a service with metadata
    code = next(s["service_code"] for s in services if s["metadata"] in (True, "true"))
    status, _, body = get(f"{endpoint}/services/{urllib.parse.quote(code)}.json?{j}")
    definition = json.loads(body)
    check(definition["service_code"] == code and isinstance(definition["attributes"], list), f"service definition of {code}")
    for a in definition["attributes"]:
        check({"variable", "code", "datatype", "required", "datatype_description", "order", "description"} <= set(a), f"attribute {a['code']} has the standard keys")
    status, _, body = get(f"{endpoint}/services/{urllib.parse.quote(code)}.xml?{j}")
    check(ET.fromstring(body).tag == "service_definition", "service definition in XML")

    # POST requests.json, form-encoded as the specification's example
    attrs = {}
    for a in definition["attributes"]:
        if a["datatype"] == "number":
            attrs[f"attribute[{a['code']}]"] = "3"
        elif a["datatype"] in ("singlevaluelist", "multivaluelist") and a.get("values"):
            attrs[f"attribute[{a['code']}]"] = a["values"][0]["key"]
    fields = {
        "api_key": api_key,
        "jurisdiction_id": jurisdiction,
        "service_code": code,
        "lat": lat,
        "long": lon,
        "email": "citizen@example.org",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "john",
        "last_name": "smith",
        "phone": "111111111",
        "description": "A large sinkhole is destroying the street",
        "media_url": "http://example.org/sinkhole.jpg",
        **attrs,
    }
    status, body = post(f"{endpoint}/requests.json", fields)
    check(status in (200, 201), f"POST requests.json accepted ({status})")
    answer = json.loads(body)
    check(isinstance(answer, list) and len(answer) == 1, "the answer is a list of one request")
    rid = answer[0].get("service_request_id")
    check(bool(rid), f"a service_request_id was given: {rid}")
    check("service_notice" in answer[0] and "account_id" in answer[0], "with service_notice and account_id")

    # The same request, posted in XML.
    status, body = post(f"{endpoint}/requests.xml", fields)
    xml_id = ET.fromstring(body).findtext("request/service_request_id")
    check(status in (200, 201) and bool(xml_id) and xml_id != rid, "POST requests.xml answers in XML with a new id")

    # Bad requests are refused with the standard's error list.
    status, body = post(f"{endpoint}/requests.json", {**fields, "service_code": "no-such-service"})
    err = json.loads(body)
    check(400 <= status < 500 and err[0]["code"] == status and err[0]["description"], f"an unknown service_code is refused ({status}: {err[0]['description']})")
    status, body = post(f"{endpoint}/requests.json", {k: v for k, v in fields.items() if k != "api_key"})
    check(400 <= status < 500, f"a request without api_key is refused ({status})")

    # GET requests/{id}.json and .xml
    status, _, body = get(f"{endpoint}/requests/{urllib.parse.quote(rid)}.json?{j}")
    got = json.loads(body)
    check(status == 200 and len(got) == 1, "GET requests/{id}.json reads it back")
    r = got[0]
    for k in REQUEST_FIELDS:
        if k not in r:
            check(False, f"request has {k}")
    check(r["service_request_id"] == rid and r["service_code"] == code, "same id and service")
    check(r["status"] in ("open", "closed"), f"status is open or closed: {r['status']}")
    check(r["status"] == "open", "a new request is open")
    check(r["description"] == fields["description"], "the description came through")
    for k in ["requested_datetime", "updated_datetime", "expected_datetime"]:
        check(W3C_DATETIME.match(r[k]) is not None and not r[k].endswith("Z"), f"{k} is ISO 8601 with an offset: {r[k]}")
    check(abs(float(r["lat"]) - float(lat)) < 1e-6 and abs(float(r["long"]) - float(lon)) < 1e-6, "lat and long came through")
    check("phone" not in r and "111111111" not in json.dumps(r), "the reporter's phone is not given out")
    status, _, body = get(f"{endpoint}/requests/{urllib.parse.quote(rid)}.xml?{j}")
    x = ET.fromstring(body)
    check(x.tag == "service_requests" and x.findtext("request/service_request_id") == rid, "GET requests/{id}.xml reads it back")
    check(x.findtext("request/status") == "open", "XML status open")

    # GET requests with the standard filters
    def ids(query):
        status, _, body = get(f"{endpoint}/requests.json?{urllib.parse.urlencode({**query, 'jurisdiction_id': jurisdiction})}")
        check(status == 200, f"GET requests {query} answers")
        return [x["service_request_id"] for x in json.loads(body)]

    check(set(ids({"service_request_id": f"{rid},{xml_id}"})) == {rid, xml_id}, "service_request_id (comma-delimited) finds both")
    check(rid in ids({}), "the default (last 90 days) includes it")
    check(rid in ids({"service_code": code}), "service_code filter includes it")
    other = next((s["service_code"] for s in services if s["service_code"] != code), None)
    if other:
        check(rid not in ids({"service_code": other}), "another service_code excludes it")
    check(rid in ids({"status": "open"}), "status=open includes it")
    check(rid not in ids({"status": "closed"}), "status=closed excludes it")
    requested = r["requested_datetime"]
    check(rid in ids({"start_date": requested, "end_date": r["expected_datetime"]}), "start_date/end_date around it include it")
    check(rid not in ids({"start_date": "2020-01-01T00:00:00+08:00", "end_date": "2020-02-01T00:00:00+08:00"}), "a window in 2020 excludes it")
    status, _, body = get(f"{endpoint}/requests.xml?{urllib.parse.urlencode({'service_request_id': rid, 'jurisdiction_id': jurisdiction})}")
    check(ET.fromstring(body).findtext("request/service_request_id") == rid, "GET requests.xml with a filter")

    print(f"open311 client: {checks} checks passed")
    print(rid)


if __name__ == "__main__":
    main()
