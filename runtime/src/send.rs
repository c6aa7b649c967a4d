//! What a load in progress may hold. An async driver awaits its client between two
//! statements of a load, and its future must be `Send` to run on a multi-threaded
//! executor (`tokio::spawn`, every web framework's handlers): so with the `tokio-postgres`
//! feature, everything a load holds between statements (the rows decoded so far, the
//! steps still to come) is `Send`, and so must every model's row be.
//!
//! Without that feature nothing is awaited, and nothing here asks for `Send`: a model may
//! hold an `Rc<str>` on SQLite and on the blocking PostgreSQL driver. The bound is
//! [`MaybeSend`], which is `Send` exactly when the feature is on, and the boxed parts of a
//! load are [`Boxed`]: checked by the compiler either way, never asserted.

/// `Send` with the `tokio-postgres` feature, nothing without it: what every value a load
/// holds between two statements must be.
#[cfg(feature = "tokio-postgres")]
pub trait MaybeSend: Send {}
#[cfg(feature = "tokio-postgres")]
impl<T: Send + ?Sized> MaybeSend for T {}

/// `Send` with the `tokio-postgres` feature, nothing without it: what every value a load
/// holds between two statements must be.
#[cfg(not(feature = "tokio-postgres"))]
pub trait MaybeSend {}
#[cfg(not(feature = "tokio-postgres"))]
impl<T: ?Sized> MaybeSend for T {}

/// A boxed trait object a load holds between statements: `Send` exactly when
/// [`MaybeSend`] is. `Boxed!(dyn Trait + 'a)`.
#[cfg(feature = "tokio-postgres")]
macro_rules! Boxed {
    (dyn $($bound:tt)*) => { Box<dyn $($bound)* + Send> };
}

/// A boxed trait object a load holds between statements: `Send` exactly when
/// [`MaybeSend`] is. `Boxed!(dyn Trait + 'a)`.
#[cfg(not(feature = "tokio-postgres"))]
macro_rules! Boxed {
    (dyn $($bound:tt)*) => { Box<dyn $($bound)*> };
}

pub(crate) use Boxed;
