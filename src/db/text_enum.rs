//! The domain's enums stored as TEXT on both backends: each is written as its
//! snake_case name and read back through that name, so that a value no
//! variant names is refused when it is read (an error, never a guess).
//!
//! The domain stays free of diesel: the impls live here, one line per enum
//! in [`stored_as_text!`], and the names come from each enum's `strum`
//! derives (`IntoStaticStr` to write, `EnumString` to read).

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

/// Reads a stored name as `T`, refusing one no variant has.
pub fn read_name<T: std::str::FromStr, DB: Backend>(bytes: DB::RawValue<'_>) -> deserialize::Result<T>
where
    String: FromSql<Text, DB>,
{
    let text = String::from_sql(bytes)?;
    text.parse::<T>().map_err(|_| format!("unknown {} {text:?} in the database", std::any::type_name::<T>()).into())
}

/// Writes `name` as TEXT.
pub fn write_name<'b, DB: Backend>(name: &'static str, out: &mut Output<'b, '_, DB>) -> serialize::Result
where
    str: ToSql<Text, DB>,
{
    // A 'static name outlives any output buffer.
    let name: &'b str = name;
    name.to_sql(out)
}

macro_rules! stored_as_text {
    ($($ty:ty),* $(,)?) => {$(
        impl<DB: diesel::backend::Backend> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $ty
        where
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                $crate::db::text_enum::read_name::<$ty, DB>(bytes)
            }
        }

        impl<DB: diesel::backend::Backend> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $ty
        where
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                $crate::db::text_enum::write_name(<&'static str>::from(*self), out)
            }
        }

        impl<DB, ST> diesel::deserialize::Queryable<ST, DB> for $ty
        where
            DB: diesel::backend::Backend,
            ST: diesel::sql_types::SingleValue,
            $ty: diesel::deserialize::FromSql<ST, DB>,
        {
            type Row = Self;
            fn build(row: Self) -> diesel::deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl diesel::expression::AsExpression<diesel::sql_types::Text> for $ty {
            type Expression = diesel::internal::derives::as_expression::Bound<diesel::sql_types::Text, Self>;
            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }

        impl<'a> diesel::expression::AsExpression<diesel::sql_types::Text> for &'a $ty {
            type Expression = diesel::internal::derives::as_expression::Bound<diesel::sql_types::Text, Self>;
            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }

        impl diesel::expression::AsExpression<diesel::sql_types::Nullable<diesel::sql_types::Text>> for $ty {
            type Expression =
                diesel::internal::derives::as_expression::Bound<diesel::sql_types::Nullable<diesel::sql_types::Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }

        impl<'a> diesel::expression::AsExpression<diesel::sql_types::Nullable<diesel::sql_types::Text>> for &'a $ty {
            type Expression =
                diesel::internal::derives::as_expression::Bound<diesel::sql_types::Nullable<diesel::sql_types::Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }

        impl<DB: diesel::backend::Backend> diesel::serialize::ToSql<diesel::sql_types::Nullable<diesel::sql_types::Text>, DB>
            for $ty
        where
            $ty: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <$ty as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(self, out)
            }
        }
    )*};
}

use crate::domain::Role;
use crate::domain::workflow::guards::{Grade, Satisfaction};
use crate::domain::workflow::{
    Action, AssignmentState, ContactKind, CosignerStatus, KeyMode, ProposalState, RequestDecision, RequestKind,
    SubmitterType, UnitRole,
};

stored_as_text!(
    ProposalState,
    Action,
    Role,
    UnitRole,
    Grade,
    Satisfaction,
    AssignmentState,
    ContactKind,
    CosignerStatus,
    KeyMode,
    RequestDecision,
    RequestKind,
    SubmitterType,
);
