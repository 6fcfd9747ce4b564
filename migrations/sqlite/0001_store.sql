-- OneMap store, SQLite flavour. Instants are UTC milliseconds since the Unix epoch (INTEGER);
-- "day" columns are Asia/Shanghai local day numbers. Keep in step with ../postgres/0001_store.sql.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value REAL NOT NULL
);
-- Warning-grade cut-offs (see crates/onemap/src/grading.rs) and the clocks' at-risk lead.
INSERT INTO settings (key, value) VALUES
    ('grade1_people', 30), ('grade1_money_yuan', 1000000),
    ('grade2_people', 10), ('grade2_money_yuan', 100000),
    ('at_risk_fraction', 0.2);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE layers (
    name        TEXT PRIMARY KEY,
    datum       TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    count       INTEGER NOT NULL
);

CREATE TABLE features (
    layer      TEXT NOT NULL,
    id         TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    geometry   TEXT,
    properties TEXT NOT NULL,
    PRIMARY KEY (layer, id)
);
CREATE INDEX features_by_seq ON features (layer, seq);

CREATE TABLE rating_history (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    building_id TEXT NOT NULL,
    old_rating  TEXT NOT NULL,
    new_rating  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX rating_history_by_building ON rating_history (building_id, seq);

CREATE TABLE matters (
    code           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    domain         TEXT NOT NULL,
    domain_name    TEXT NOT NULL,
    default_level  TEXT NOT NULL,
    notice_minutes INTEGER NOT NULL,
    meet_minutes   INTEGER NOT NULL,
    resolve        TEXT NOT NULL
);

CREATE TABLE cases (
    id             TEXT PRIMARY KEY,
    channel        TEXT NOT NULL,
    matter         TEXT NOT NULL REFERENCES matters (code),
    description    TEXT NOT NULL,
    lon            REAL,
    lat            REAL,
    subgrid_code   TEXT,
    community_code TEXT,
    street_code    TEXT,
    district_code  TEXT,
    building_id    TEXT,
    camera_id      TEXT,
    reporter_name  TEXT,
    reporter_phone TEXT,
    level          TEXT NOT NULL,
    grade          INTEGER NOT NULL,
    people         INTEGER NOT NULL,
    money_yuan     REAL NOT NULL,
    urgency        TEXT NOT NULL,
    reported_at    INTEGER NOT NULL,
    reported_day   INTEGER NOT NULL,
    notice_due     INTEGER NOT NULL,
    meet_due       INTEGER NOT NULL,
    resolve_due    INTEGER NOT NULL,
    -- the projection of case_events:
    state          TEXT NOT NULL,
    tier           TEXT NOT NULL,
    unit           TEXT,
    noticed_at     INTEGER,
    met_at         INTEGER,
    resolved_at    INTEGER,
    closed_at      INTEGER,
    outcome        TEXT,
    escalations    INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX cases_by_reported ON cases (reported_at);
CREATE INDEX cases_open ON cases (state) WHERE state <> 'closed';

CREATE TABLE case_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id    TEXT NOT NULL REFERENCES cases (id),
    version    INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    from_state TEXT,
    to_state   TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at         INTEGER NOT NULL,
    note       TEXT NOT NULL,
    detail     TEXT,
    UNIQUE (case_id, version)
);

CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    case_id         TEXT NOT NULL REFERENCES cases (id),
    issuer_tier     TEXT NOT NULL,
    issuer_unit     TEXT NOT NULL,
    issued_by       TEXT NOT NULL,
    department      TEXT NOT NULL,
    leader_rank     TEXT NOT NULL,
    issued_at       INTEGER NOT NULL,
    arrive_by       INTEGER NOT NULL,
    resolve_by      INTEGER NOT NULL,
    acknowledged_at INTEGER,
    arrived_at      INTEGER,
    reported_at     INTEGER,
    result          TEXT,
    resolved        INTEGER,
    state           TEXT NOT NULL,
    arrive_late     INTEGER NOT NULL DEFAULT 0,
    resolve_late    INTEGER NOT NULL DEFAULT 0,
    version         INTEGER NOT NULL
);
CREATE INDEX orders_by_case ON orders (case_id);
CREATE INDEX orders_by_department ON orders (department);

CREATE TABLE clocks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id    TEXT NOT NULL REFERENCES cases (id),
    order_id   TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    due_at     INTEGER NOT NULL,
    at_risk_at INTEGER NOT NULL,
    met_at     INTEGER,
    status     TEXT NOT NULL,
    breached_at INTEGER,
    UNIQUE (case_id, kind, order_id)
);
CREATE INDEX clocks_pending_risk ON clocks (at_risk_at) WHERE status = 'running';
CREATE INDEX clocks_pending_due ON clocks (due_at) WHERE status IN ('running', 'at_risk');
