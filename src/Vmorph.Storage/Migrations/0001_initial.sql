-- vmorph store, version 1: profiles, configuration history, raw windows, imported files.
CREATE TABLE vms (
    vm_id        TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    version      INTEGER NOT NULL,           -- optimistic concurrency: bumped on every save
    samples      INTEGER NOT NULL,
    last_sample  INTEGER,                    -- Unix seconds
    profile      BLOB    NOT NULL,           -- ProfileCodec JSON document (format 1)
    updated_at   TEXT    NOT NULL
);
CREATE INDEX vms_by_name ON vms (name);

CREATE TABLE configuration_versions (
    vm_id         TEXT    NOT NULL REFERENCES vms (vm_id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    content_hash  TEXT    NOT NULL,          -- SHA-256 of the canonical configuration
    observed_at   TEXT    NOT NULL,
    cause         TEXT    NOT NULL,
    configuration TEXT    NOT NULL,          -- JSON
    changes       TEXT    NOT NULL,          -- JSON: [{path, before, after}]
    PRIMARY KEY (vm_id, version)
);

CREATE TABLE raw_windows (
    vm_id    TEXT PRIMARY KEY REFERENCES vms (vm_id) ON DELETE CASCADE,
    samples  BLOB NOT NULL                   -- RecentSamples encoding
);

CREATE TABLE imported_files (
    sha256        TEXT    PRIMARY KEY,
    path          TEXT    NOT NULL,
    format        TEXT    NOT NULL,
    rows          INTEGER NOT NULL,
    missing_rows  INTEGER NOT NULL,
    skipped_rows  INTEGER NOT NULL,
    vms           INTEGER NOT NULL,
    imported_at   TEXT    NOT NULL
);
