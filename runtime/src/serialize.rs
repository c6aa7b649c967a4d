//! `serde::Serialize` for rows, with the `serde` feature: a row serializes as its model's
//! fields, plus each loaded relation (or count) under its name; unloaded ones are absent.
//! So a JSON API can return the rows a query produced:
//!
//! ```json
//! {"id": 1, "name": "Ann Leckie", "publisher_id": 1, "books": [{"id": 1, "title": "..", "author_id": 1}], "books_count": 1}
//! ```

use serde::Serialize;
use serde::ser::{self, Impossible, SerializeMap, SerializeStruct, Serializer};

use crate::row::{Loaded, NotLoaded};

/// How a slot appears in a serialized row: a loaded one under its name, an unloaded one
/// not at all.
#[doc(hidden)]
pub trait SlotSerialize {
    fn serialize_slot<M: SerializeMap>(
        &self,
        name: &'static str,
        map: &mut M,
    ) -> Result<(), M::Error>;
}

impl SlotSerialize for NotLoaded {
    fn serialize_slot<M: SerializeMap>(&self, _: &'static str, _: &mut M) -> Result<(), M::Error> {
        Ok(())
    }
}

impl<T: Serialize> SlotSerialize for Loaded<T> {
    fn serialize_slot<M: SerializeMap>(
        &self,
        name: &'static str,
        map: &mut M,
    ) -> Result<(), M::Error> {
        map.serialize_entry(name, self.read())
    }
}

/// Serializes a model's fields as entries of the row's map: the model keeps its own
/// `Serialize` (with its renames and skips), and the row adds its relations beside them.
#[doc(hidden)]
pub struct FlattenInto<'a, M>(pub &'a mut M);

fn not_flattenable<E: ser::Error>() -> E {
    E::custom("a model must serialize as a struct or a map for its row to be serialized")
}

macro_rules! refuse {
    ($($method:ident($($arg:ty),*);)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<(), M::Error> {
            Err(not_flattenable())
        })*
    };
}

impl<'a, M: SerializeMap> Serializer for FlattenInto<'a, M> {
    type Ok = ();
    type Error = M::Error;
    type SerializeSeq = Impossible<(), M::Error>;
    type SerializeTuple = Impossible<(), M::Error>;
    type SerializeTupleStruct = Impossible<(), M::Error>;
    type SerializeTupleVariant = Impossible<(), M::Error>;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), M::Error>;

    refuse! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_none(self) -> Result<(), M::Error> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), M::Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), M::Error> {
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), M::Error> {
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), M::Error> {
        Err(not_flattenable())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, M::Error> {
        Err(not_flattenable())
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, M::Error> {
        Err(not_flattenable())
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, M::Error> {
        Err(not_flattenable())
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, M::Error> {
        Err(not_flattenable())
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self, M::Error> {
        Ok(self)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, M::Error> {
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, M::Error> {
        Err(not_flattenable())
    }
}

impl<M: SerializeMap> SerializeStruct for FlattenInto<'_, M> {
    type Ok = ();
    type Error = M::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        self.0.serialize_entry(key, value)
    }

    fn end(self) -> Result<(), M::Error> {
        Ok(())
    }
}

impl<M: SerializeMap> SerializeMap for FlattenInto<'_, M> {
    type Ok = ();
    type Error = M::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), M::Error> {
        self.0.serialize_key(key)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), M::Error> {
        self.0.serialize_value(value)
    }

    fn end(self) -> Result<(), M::Error> {
        Ok(())
    }
}

/// The `Serialize` impl of a generated row type; the derive invokes it whatever the
/// features, and it expands to nothing without `serde`.
#[doc(hidden)]
#[macro_export]
macro_rules! __serialize_row {
    ($row:ident, $model:ty, [$($param:ident),*], [$($field:ident => $name:literal),*]) => {
        #[automatically_derived]
        impl<$($param: $crate::__private::SlotSerialize),*> $crate::__private::serde::Serialize for $row<$($param),*>
        where
            for<'__eagerly> $model: $crate::__private::serde::Serialize,
        {
            fn serialize<__S: $crate::__private::serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                use $crate::__private::serde::ser::SerializeMap as _;
                let mut map = serializer.serialize_map(::core::option::Option::None)?;
                $crate::__private::serde::Serialize::serialize(&self.__model, $crate::__private::FlattenInto(&mut map))?;
                $($crate::__private::SlotSerialize::serialize_slot(&self.$field, $name, &mut map)?;)*
                map.end()
            }
        }
    };
}
