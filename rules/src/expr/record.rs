//! Records whose fields are produced when an expression reads them.
//!
//! Converting a whole evidence view into the interpreter's values costs more
//! than running most rules on it: a certificate view has about sixty fields,
//! nested maps and lists, and a rule reads two or three of them. A [`Record`]
//! instead answers one field at a time, borrowing strings from the evidence,
//! and is bound to the interpreter through [`RecordVal`], a `cel` value with
//! map semantics (`r.field`, `has(r.field)`, `"field" in r`, `size(r)`).

use std::fmt;
use std::sync::Arc;

use cel::common::traits::{Container, Indexer, Sizer};
use cel::common::types::{CelBool, CelDouble, CelInt, CelList, CelString, Type, MAP_TYPE};
use cel::common::value::{CowVal, Val};
use cel::ExecutionError;
use pkimm_model::evidence::CompactString;

use super::Value;

/// One field of a [`Record`], borrowing from the evidence for `'r`.
pub enum Field<'r> {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string borrowed from the evidence.
    Str(&'r str),
    /// A string made for this read.
    String(String),
    /// A list of strings borrowed from the evidence.
    Strings(&'r [String]),
    /// A list of short strings (names, host names, OIDs) borrowed from the
    /// evidence.
    Names(&'r [CompactString]),
    /// A list of string slices borrowed from the evidence.
    Strs(Vec<&'r str>),
    /// A nested record.
    Record(Arc<dyn Record<'r> + 'r>),
    /// Anything else, as a ready value.
    Value(Value),
}

/// A map-shaped view whose fields are computed on access.
pub trait Record<'r>: Send + Sync {
    /// Every field name, in documentation order.
    fn names(&self) -> &'static [&'static str];

    /// The field called `name`, or `None` when there is no such field.
    fn field(&self, name: &str) -> Option<Field<'r>>;
}

/// The interpreter's handle on a [`Record`].
#[derive(Clone)]
pub(crate) struct RecordVal<'r>(pub(crate) Arc<dyn Record<'r> + 'r>);

impl fmt::Debug for RecordVal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("fields", &self.0.names())
            .finish()
    }
}

/// A field as an interpreter value.
pub(crate) fn field_val<'r>(field: Field<'r>) -> Result<Box<dyn Val + 'r>, ExecutionError> {
    Ok(match field {
        Field::Bool(b) => Box::new(CelBool::from(b)),
        Field::Int(i) => Box::new(CelInt::from(i)),
        Field::Float(f) => Box::new(CelDouble::from(f)),
        Field::Str(s) => Box::new(CelString::from(s)),
        Field::String(s) => Box::new(CelString::from(s)),
        Field::Strings(items) => Box::new(CelList::from(
            items
                .iter()
                .map(|s| Box::new(CelString::from(s.as_str())) as Box<dyn Val + 'r>)
                .collect::<Vec<_>>(),
        )),
        Field::Names(items) => Box::new(CelList::from(
            items
                .iter()
                .map(|s| Box::new(CelString::from(s.as_str())) as Box<dyn Val + 'r>)
                .collect::<Vec<_>>(),
        )),
        Field::Strs(items) => Box::new(CelList::from(
            items
                .into_iter()
                .map(|s| Box::new(CelString::from(s)) as Box<dyn Val + 'r>)
                .collect::<Vec<_>>(),
        )),
        Field::Record(record) => Box::new(RecordVal(record)),
        Field::Value(value) => Box::<dyn Val>::try_from(value)?,
    })
}

/// A field as a plain [`Value`], for records turned into maps.
pub(crate) fn field_value(field: Field<'_>) -> Value {
    match field {
        Field::Bool(b) => Value::Bool(b),
        Field::Int(i) => Value::Int(i),
        Field::Float(f) => Value::Float(f),
        Field::Str(s) => super::string(s),
        Field::String(s) => Value::String(Arc::new(s)),
        Field::Strings(items) => super::strings(items),
        Field::Names(items) => super::strings(items),
        Field::Strs(items) => super::strings(&items),
        Field::Record(record) => to_value(record.as_ref()),
        Field::Value(value) => value,
    }
}

/// The record as a map value with every field computed.
pub fn to_value(record: &dyn Record<'_>) -> Value {
    super::map(
        record
            .names()
            .iter()
            .filter_map(|name| Some((*name, field_value(record.field(name)?))))
            .collect(),
    )
}

fn no_such_key(name: &str) -> ExecutionError {
    ExecutionError::NoSuchKey(Arc::new(name.to_string()))
}

impl<'r> Val for RecordVal<'r> {
    fn get_type(&self) -> &Type {
        &MAP_TYPE
    }

    fn cel_type() -> &'static Type {
        &MAP_TYPE
    }

    fn as_container(&self) -> Option<&dyn Container> {
        Some(self)
    }

    fn as_indexer<'b, 'v>(&'b self) -> Option<&'b (dyn Indexer + 'v)>
    where
        Self: 'v,
    {
        Some(self)
    }

    fn as_sizer(&self) -> Option<&dyn Sizer> {
        Some(self)
    }

    fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v>
    where
        Self: 'v,
    {
        Box::new(self.clone())
    }
}

impl<'r> Indexer for RecordVal<'r> {
    fn get<'b, 'v>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let name = <&str>::try_from(idx).map_err(|_| ExecutionError::UnexpectedType {
            got: idx.get_type().name().to_owned(),
            want: "string".to_owned(),
        })?;
        let field = self.0.field(name).ok_or_else(|| no_such_key(name))?;
        Ok(CowVal::Owned(field_val(field)?))
    }

    fn steal<'v>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        self.get(idx).map(CowVal::into_owned)
    }
}

impl Container for RecordVal<'_> {
    fn contains(&self, value: &dyn Val) -> Result<bool, ExecutionError> {
        Ok(<&str>::try_from(value).is_ok_and(|name| self.0.names().contains(&name)))
    }
}

impl Sizer for RecordVal<'_> {
    fn size(&self) -> CelInt {
        CelInt::from(i64::try_from(self.0.names().len()).unwrap_or(i64::MAX))
    }
}
