//! The session: signing in and out (`auth` does the work), the language, and who the caller is.

pub mod api;
pub mod pages;
