//! The one integration-test binary: modules by feature.

mod agreement;
mod bad_input;
mod cli;
mod fixtures;
mod report;
mod schemas;
mod sim;
mod support;
