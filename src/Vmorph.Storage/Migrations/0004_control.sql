-- What the loop of `vmorph serve` keeps beside the profiles: labels that policies match, the plans triggers and
-- people made (with their approval), and the per-VM loop state that must survive a restart.
CREATE TABLE labels (
    vm_id      TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (vm_id, key)
);

CREATE TABLE plans (
    plan_id          TEXT NOT NULL PRIMARY KEY,
    vm_id            TEXT NOT NULL,
    vm_name          TEXT NOT NULL,
    target           TEXT NOT NULL,
    origin           TEXT NOT NULL,
    reason           TEXT NOT NULL,
    state            TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    decided_by       TEXT,
    decided_at       TEXT,
    rejected_because TEXT,
    morph_id         TEXT,
    rendered         TEXT NOT NULL,
    plan             TEXT NOT NULL
);
CREATE INDEX plans_by_vm ON plans (vm_id, created_at);

CREATE TABLE loop_state (
    vm_id      TEXT NOT NULL PRIMARY KEY,
    document   TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
