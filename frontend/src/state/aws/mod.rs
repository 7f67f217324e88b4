//! The AWS half of the UI as plain logic, one module per job: the connection ([`status`]), a
//! refresh's per-region progress ([`refresh`]), the live model table ([`live`]), a test run as
//! its events stream in ([`test_run`]), and an AWS failure's one-click fix ([`fix`]).

pub mod fix;
pub mod live;
pub mod refresh;
pub mod status;
pub mod test_run;
