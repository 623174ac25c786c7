-- Failed logins slow an account down instead of shutting it: each counter
-- (per account and address together, per account, per address) keeps its
-- failures and the time of the last one, from which the wait before the
-- next attempt grows (src/auth/throttle.rs). The old counters, with their
-- fixed windows, are dropped: at worst an attacker gets a fresh start once.
DROP TABLE login_throttle;
CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    last_failed_at TIMESTAMP NOT NULL
);

-- The addresses an account recently signed in from. From one of these, a
-- correct password gets through even while the account is attacked from
-- elsewhere.
CREATE TABLE login_addresses (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_addr TEXT NOT NULL,
    last_signed_in_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, client_addr)
);
