//! `tracing` integration (feature `tracing`): one span per statement, named
//! `eagerly.query`, with the SQL, the table, the rows and the duration, so existing
//! subscribers (tracing-subscriber, OpenTelemetry) see eagerly's statements.

use std::panic::Location;
use std::time::Duration;

/// Whether a `tracing` subscriber wants eagerly's statements.
#[cfg(feature = "tracing")]
pub(crate) fn enabled() -> bool {
    tracing::enabled!(target: "eagerly", tracing::Level::DEBUG)
}

#[cfg(not(feature = "tracing"))]
pub(crate) fn enabled() -> bool {
    false
}

/// Reports a statement that ran, as a span covering its duration.
#[cfg(feature = "tracing")]
pub(crate) fn statement(
    sql: &str,
    table: &str,
    rows: usize,
    duration: Duration,
    location: &Location<'_>,
    error: Option<&str>,
) {
    if !enabled() {
        return;
    }
    let span = tracing::debug_span!(
        target: "eagerly",
        "eagerly.query",
        sql = %sql,
        table,
        rows,
        duration_us = duration.as_micros() as u64,
        location = %location,
        error,
    );
    span.in_scope(|| {});
}

#[cfg(not(feature = "tracing"))]
pub(crate) fn statement(
    _: &str,
    _: &str,
    _: usize,
    _: Duration,
    _: &Location<'_>,
    _: Option<&str>,
) {
}
