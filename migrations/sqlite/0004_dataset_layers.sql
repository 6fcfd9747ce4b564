-- The layers as the dataset directory loaded them (issue 10): a layer whose imported_at in
-- `layers` has moved on since was written again (an import, a planning apply), and the map
-- draws it from the store rather than from the dataset's file. Keep in step with
-- ../postgres/0004_dataset_layers.sql.

CREATE TABLE dataset_layers (
    name        TEXT PRIMARY KEY,
    imported_at INTEGER NOT NULL
);
