-- vmorph store, version 3: imports keyed by content (a VM's samples by time), not by a file's bytes.
-- The spans of time whose samples of a VM were imported: a sample of that VM inside one is known already, so a
-- re-encoded copy of a trace, or a row given twice, adds nothing. Bounded per VM (ImportedSpans.MaxSpans).
CREATE TABLE imported_spans (
    vm_id   TEXT    PRIMARY KEY REFERENCES vms (vm_id) ON DELETE CASCADE,
    spans   BLOB    NOT NULL                -- ImportedSpans encoding: (first, last) Unix seconds, little-endian int64 pairs
);

-- Later times at which a configuration version was observed again (JSON array of ISO times, at most 32): what lets
-- a configuration observed out of order split a version where the observations say (ConfigurationHistory.Record).
ALTER TABLE configuration_versions ADD COLUMN seen_again TEXT;
