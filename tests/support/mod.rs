//! Shared by the integration tests that need them (`mod support;`); each test uses a part.
#![allow(dead_code)]

pub mod api_server;
