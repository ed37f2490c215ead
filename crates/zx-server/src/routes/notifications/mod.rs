//! The user's notifications.

pub mod pages;
