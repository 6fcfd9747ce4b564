-- OneMap store, SQLite flavour: roles and access (users, sessions, API keys), the audit log,
-- the department catalogue, camera AI alerts, operators' decisions on possible duplicates and
-- acknowledged breach alarms. Keep in step with ../postgres/0002_access.sql.

-- People who log in. `role` is one of district_operator, street_operator, planner, leader,
-- admin; a street operator's `street_code` is the 9-digit code of the street it works in.
-- `password_hash` is an Argon2id PHC string.
CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    street_code   TEXT,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- Login sessions. Only the SHA-256 of the bearer token is stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username   TEXT NOT NULL REFERENCES users (username),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX sessions_by_user ON sessions (username);

-- Keys of the systems that file cases (hotline, city app, QR codes, camera AI): each names the
-- channel its cases come in by and how many requests a minute it may make. Only the SHA-256 of
-- the key is stored.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    channel      TEXT NOT NULL,
    rate_per_min INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);

-- Every change and every view of personal data, every refused attempt.
CREATE TABLE audit_log (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    role    TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail  TEXT NOT NULL
);
CREATE INDEX audit_by_target ON audit_log (target, seq);
CREATE INDEX audit_by_actor ON audit_log (actor, seq);

-- Departments a case is dispatched or ordered to (社区发令、部门执行): district departments, and
-- street offices (the street is the case's own). `domains` lists the matter domains each
-- usually takes, comma-separated, so that the operator is offered the likely ones first.
CREATE TABLE departments (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    tier    TEXT NOT NULL,
    domains TEXT NOT NULL
);
INSERT INTO departments (code, name, tier, domains) VALUES
    ('D-CG', '区城市管理和综合执法局', 'district', 'city'),
    ('D-ZJ', '区住房和建设局', 'district', 'safety,city'),
    ('D-GA', '公安光明分局', 'district', 'safety,dispute'),
    ('D-YJ', '区应急管理局', 'district', 'safety'),
    ('D-XF', '区消防救援大队', 'district', 'safety'),
    ('D-SJ', '区市场监督管理局', 'district', 'complaint'),
    ('D-RL', '区人力资源局', 'district', 'dispute'),
    ('D-SF', '区司法局', 'district', 'legal,dispute'),
    ('D-MZ', '区民政局', 'district', 'assistance'),
    ('D-WJ', '区卫生健康局', 'district', 'psych,assistance'),
    ('D-JY', '区教育局', 'district', 'complaint,safety'),
    ('D-SW', '区水务局', 'district', 'city,safety'),
    ('D-JT', '交通运输光明管理局', 'district', 'city'),
    ('D-HJ', '生态环境光明管理局', 'district', 'city,complaint'),
    ('D-GZ', '规划和自然资源光明管理局', 'district', 'city'),
    ('S-ZF', '街道综合行政执法队', 'street', 'city'),
    ('S-AQ', '街道安全生产监督管理办公室', 'street', 'safety'),
    ('S-ZZ', '街道综治中心', 'street', 'dispute,legal,psych'),
    ('S-LD', '街道劳动保障中心', 'street', 'dispute'),
    ('S-SQ', '街道社会事务办公室', 'street', 'assistance,complaint');

-- What the camera AI reports, and the matter each event type files as.
CREATE TABLE camera_event_types (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    matter TEXT NOT NULL
);
INSERT INTO camera_event_types (code, name, matter) VALUES
    ('illegal_parking', '违规停车', 'M162'),
    ('ebike_parking', '电动车违规停放', 'M164'),
    ('street_vending', '流动摊贩', 'M142'),
    ('road_occupation', '占道经营', 'M141'),
    ('garbage', '乱堆乱放', 'M146'),
    ('road_debris', '道路遗撒', 'M183'),
    ('open_burning', '露天焚烧', 'M170'),
    ('waterlogging', '道路积水', 'M157'),
    ('manhole', '井盖缺失破损', 'M155'),
    ('fire_lane_blocked', '消防通道堵塞', 'M186'),
    ('traffic_signal', '交通信号灯故障', 'M179'),
    ('crowd', '人员聚集', 'M214'),
    ('drowning_risk', '水域溺水隐患', 'M209'),
    ('school_safety', '学校周边安全隐患', 'M208');

-- Every camera AI alert and the case it went to: the first of a camera and event type files a
-- case, repeats within 10 minutes of the last one merge into it.
CREATE TABLE camera_alerts (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    camera_id   TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    at          INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    source      TEXT NOT NULL
);
CREATE INDEX camera_alerts_recent ON camera_alerts (camera_id, event_type, at);
CREATE INDEX camera_alerts_by_case ON camera_alerts (case_id);

-- Operators' decisions on possible duplicates (same matter within 50 m and 2 hours), one row
-- per pair with case_id < other_id. Candidates themselves are found when asked for.
CREATE TABLE case_links (
    case_id    TEXT NOT NULL REFERENCES cases (id),
    other_id   TEXT NOT NULL REFERENCES cases (id),
    decision   TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at INTEGER NOT NULL,
    PRIMARY KEY (case_id, other_id)
);
CREATE INDEX case_links_by_other ON case_links (other_id);

-- Breach alarms an operator has acknowledged (one per breach of a clock).
CREATE TABLE alarm_acks (
    case_id         TEXT NOT NULL REFERENCES cases (id),
    kind            TEXT NOT NULL,
    order_id        TEXT NOT NULL,
    breached_at     INTEGER NOT NULL,
    acknowledged_by TEXT NOT NULL,
    at              INTEGER NOT NULL,
    PRIMARY KEY (case_id, kind, order_id, breached_at)
);

-- The queue, duplicate search and street scopes read these.
CREATE INDEX cases_by_matter_time ON cases (matter, reported_at);
CREATE INDEX cases_by_street ON cases (street_code, state);
CREATE INDEX clocks_breached ON clocks (breached_at) WHERE status = 'breached';
