//! HJ 212-2017. Being written.
