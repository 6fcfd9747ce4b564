-- Planning scenarios (issue 7): named what-if plans over the stations layer, saved with an
-- optimistic version. `plan` is the JSON of onemap_geo::scenario::Plan (added, changed and
-- removed stations). Keep in step with ../sqlite/0003_scenarios.sql.

CREATE TABLE scenarios (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    plan        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    applied_at  BIGINT,
    applied_by  TEXT
);
CREATE UNIQUE INDEX scenarios_by_name ON scenarios (name);
