//! The one integration-test binary: modules by feature.

mod agreement;
mod bad_input;
mod cassette;
mod catalogue;
mod check;
mod check_hostile;
mod check_http;
mod cli;
mod consumers;
mod fixtures;
mod fuzz;
mod hostile;
mod hostile_input;
mod partition;
mod report;
mod report_merge;
mod reports;
mod schema_diff;
mod schema_version;
mod schemas;
mod scripted;
mod sim;
mod sim_limits;
mod sim_schemas;
mod support;
