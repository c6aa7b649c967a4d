// With the `postgres` feature (on in this workspace's tests), a field whose type has no
// PostgreSQL column type does not compile, unless the field declares its column's type.
use eagerly::Model;
use eagerly::rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// A type of the application's own: rusqlite reads and writes it, no `SqlType` says its
/// column type.
pub struct Celsius(f64);

impl ToSql for Celsius {
    fn to_sql(&self) -> eagerly::rusqlite::Result<ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

impl FromSql for Celsius {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        f64::column_result(value).map(Celsius)
    }
}

#[derive(Model)]
pub struct Reading {
    #[model(primary_key)]
    pub id: i64,
    pub temperature: Celsius,
    pub previous: Option<Celsius>,
    #[model(sql_type = "DOUBLE PRECISION")]
    pub declared: Celsius,
}

fn main() {}
