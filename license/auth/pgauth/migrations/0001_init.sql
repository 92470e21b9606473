-- API tokens, browser sessions and pending OpenID Connect sign-ins.
-- No secret is stored: a token, a session cookie and a sign-in state are
-- each kept under their SHA-256 (the hash columns), as in auth.db.
-- Times are UTC to the microsecond; NULL expires or revoked means never.

CREATE TABLE auth_tokens (
    id      text PRIMARY KEY,
    hash    bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
    prefix  text NOT NULL,
    email   text NOT NULL,
    role    text NOT NULL,
    note    text NOT NULL DEFAULT '',
    created timestamptz NOT NULL,
    expires timestamptz,
    revoked timestamptz
);

CREATE TABLE auth_sessions (
    hash     bytea PRIMARY KEY CHECK (length(hash) = 32),
    email    text NOT NULL,
    role     text NOT NULL,
    token_id text NOT NULL DEFAULT '', -- the API token behind it, '' for none
    via      text NOT NULL,
    created  timestamptz NOT NULL,
    expires  timestamptz NOT NULL
);

-- Every new session sweeps the expired ones.
CREATE INDEX auth_sessions_expires ON auth_sessions (expires);

CREATE TABLE auth_oidc_logins (
    hash      bytea PRIMARY KEY CHECK (length(hash) = 32),
    binding   bytea NOT NULL, -- SHA-256 of the browser's cookie
    nonce     text NOT NULL,
    verifier  text NOT NULL,  -- PKCE, one use
    return_to text NOT NULL,
    expires   timestamptz NOT NULL
);

CREATE INDEX auth_oidc_logins_expires ON auth_oidc_logins (expires);
