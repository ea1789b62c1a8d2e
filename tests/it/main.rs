//! The one integration-test binary: modules by feature.

mod agreement;
mod bad_input;
mod cassette;
mod catalogue;
mod check;
mod check_http;
mod cli;
mod fixtures;
mod fuzz;
mod report;
mod schemas;
mod sim;
mod support;
