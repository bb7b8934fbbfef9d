//! Where the data comes from: the shipped real reference facts, and the official sources.

pub mod build;
pub mod dk;
pub mod fetch;
pub mod noegletal;
pub mod published;
pub mod reference;
pub mod statbank;
