DROP TABLE login_addresses;
DROP TABLE login_throttle;
CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY NOT NULL,
    window_started_at TIMESTAMP NOT NULL,
    failures INTEGER NOT NULL
);
