-- vmorph store, version 2: morphs, their journals, and one morph lease per VM.
CREATE TABLE morphs (
    morph_id          TEXT    PRIMARY KEY,
    vm_id             TEXT    NOT NULL,     -- the VM's UUID (the VM need not be in vms yet)
    vm_name           TEXT    NOT NULL,
    kind              TEXT    NOT NULL,     -- apply | rollback
    target            TEXT    NOT NULL,     -- target profile, or configuration-vN
    plan_id           TEXT    NOT NULL,
    plan              TEXT    NOT NULL,     -- the plan file (JSON, PlanFile format 1)
    created_at        TEXT    NOT NULL,
    owner             TEXT    NOT NULL,     -- the engine that created it (host/pid/start)
    phase             TEXT    NOT NULL,     -- of the last journal entry
    last_sequence     INTEGER NOT NULL,
    finished          INTEGER NOT NULL,     -- 1 when the last entry is terminal and its clean-up ran
    updated_at        TEXT    NOT NULL,
    baseline          TEXT,                 -- JSON: the guard's samples before the morph
    verdict           TEXT,                 -- JSON: the guard's verdict with its numbers
    discarded         TEXT,                 -- what a snapshot revert discarded
    committed_version INTEGER,              -- the configuration version recorded at the commit
    notes             TEXT                  -- planner notes: parts of the target left out for this guest
);
CREATE INDEX morphs_by_vm ON morphs (vm_id, created_at);
CREATE INDEX morphs_unfinished ON morphs (finished, created_at);

CREATE TABLE morph_journal (
    morph_id  TEXT    NOT NULL REFERENCES morphs (morph_id) ON DELETE CASCADE,
    sequence  INTEGER NOT NULL,            -- 1, 2, 3, ...: appended with a check on the last one
    at        TEXT    NOT NULL,
    event     TEXT    NOT NULL,            -- the event's type, for people reading the table
    phase     TEXT    NOT NULL,            -- the state's phase after it
    entry     TEXT    NOT NULL,            -- MorphJournalEntry JSON
    PRIMARY KEY (morph_id, sequence)
);

CREATE TABLE morph_leases (
    vm_id       TEXT    PRIMARY KEY,       -- one lease per VM
    morph_id    TEXT    NOT NULL,
    owner       TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    version     INTEGER NOT NULL           -- compare-and-swap key
);
