//! The reference simulator (in progress).
