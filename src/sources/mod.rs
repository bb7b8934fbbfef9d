//! Where the data comes from: the shipped real reference facts, and the official sources.

pub mod reference;
