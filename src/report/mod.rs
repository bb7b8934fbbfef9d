//! Reports: figures (plotters, PNG and SVG) of the projection and of estimates.

pub mod figures;
