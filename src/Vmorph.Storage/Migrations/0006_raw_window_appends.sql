-- vmorph store, version 6: the raw window's newest samples, appended one row each between rewrites of the whole
-- window (raw_windows), so that a decide-loop cycle writes each VM's new sample rather than its whole week again.
-- The window a VM has is raw_windows' samples followed by these, the newest RecentSamples capacity of them kept.
CREATE TABLE raw_window_appends (
    vm_id         TEXT    NOT NULL REFERENCES vms (vm_id) ON DELETE CASCADE,
    unix_seconds  INTEGER NOT NULL,
    sample        BLOB    NOT NULL,          -- one RecentSamples record
    PRIMARY KEY (vm_id, unix_seconds)
) WITHOUT ROWID;
