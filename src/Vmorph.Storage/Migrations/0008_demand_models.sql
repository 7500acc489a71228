-- vmorph store, version 8: the fleet's forecasting models (FastTree, trained once from the VMs' first weeks), kept so
-- that a restarted `vmorph serve` predicts with them at once instead of a week later. One a collection step, horizon
-- and time zone; the model is opaque bytes, checked whole when read back.
CREATE TABLE demand_models (
    step_seconds  INTEGER NOT NULL,
    horizon_steps INTEGER NOT NULL,
    zone          TEXT NOT NULL,
    model         BLOB NOT NULL,
    trained_at    TEXT NOT NULL,
    PRIMARY KEY (step_seconds, horizon_steps, zone)
);
