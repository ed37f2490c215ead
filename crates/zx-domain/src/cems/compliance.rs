//! The compliance engine (cems.md steps 1-8). Being written.
