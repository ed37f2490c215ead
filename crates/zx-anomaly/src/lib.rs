//! A streaming anomaly detector for one signal at a time.
//!
//! `Detector::observe(timestamp, value)` returns a score in [0, 1] for the row just seen, using
//! that row and the rows before it only (causal: appending rows never changes an earlier score),
//! in constant memory per signal (a fixed number of prototypes, a fixed history ring, a fixed
//! histogram and a fixed table of contexts). It learns each signal's own normal without labels:
//! its level and spread (running range), its shapes (prototypes of the recent trajectory, an
//! adaptive-resonance style memory), the sequences of levels it goes through (contexts) and its
//! daily rhythm (what the signal usually does at this time of day).
//!
//! [`Watch`] turns a detector's scores on a live signal into alarms that start and end (one
//! event, one alarm), stricter than the benchmark's threshold: see its module.
//!
//! This crate does no IO, no async and reads no clock: timestamps are passed in (seconds). Scores
//! are estimates computed in `f64`; anything shown to people as an amount is rounded at the edge.

#![forbid(unsafe_code)]

mod baseline;
mod context;
mod detector;
mod surprise;
mod watch;

pub use baseline::WindowedGaussian;
pub use detector::{Config, Detector, Fault};
pub use surprise::Surprise;
pub use watch::{Finding, Watch, WatchConfig, WatchEvent};
