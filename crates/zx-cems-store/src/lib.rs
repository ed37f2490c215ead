//! Minute store. Being written.
