-- vmorph store, version 5: access control. API tokens (only the SHA-256 of each secret) and the audit trail.
CREATE TABLE api_tokens (
    secret_hash   TEXT    PRIMARY KEY,     -- SHA-256 of the secret, lower-case hex; the secret itself is never stored
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL,        -- viewer | operator | admin
    created_at    TEXT    NOT NULL,
    last_used_at  TEXT,                    -- to the minute (written at most once a minute)
    revoked_at    TEXT                     -- null while valid
);
-- A name names one valid token; a revoked token keeps its row (and its name) for the audit.
CREATE UNIQUE INDEX api_tokens_valid_name ON api_tokens (name) WHERE revoked_at IS NULL;

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,           -- the order of appending (newest first: ORDER BY id DESC)
    at      TEXT    NOT NULL,
    actor   TEXT    NOT NULL,              -- token:NAME, cli, serve
    action  TEXT    NOT NULL,              -- token.create, morph.approve, ...
    target  TEXT    NOT NULL,
    result  TEXT    NOT NULL
);
