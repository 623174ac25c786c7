//! Guards that depend on more than state and role.
