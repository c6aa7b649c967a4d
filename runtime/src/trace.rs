//! `tracing` integration (feature `tracing`): one span per statement, named
//! `eagerly.query`, with the SQL, the table, the rows and the duration, so existing
//! subscribers (tracing-subscriber, OpenTelemetry) see eagerly's statements.

use crate::log::QueryRecord;

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
pub(crate) fn statement(record: &QueryRecord) {
    if !enabled() {
        return;
    }
    let span = tracing::debug_span!(
        target: "eagerly",
        "eagerly.query",
        sql = %record.sql,
        table = record.table,
        rows = record.rows,
        duration_us = record.duration.as_micros() as u64,
        location = %record.location,
        error = record.error.as_deref(),
    );
    span.in_scope(|| {});
}

#[cfg(not(feature = "tracing"))]
pub(crate) fn statement(_: &QueryRecord) {}
