//! Enums that are written down by name: in the database, in JSON and in the
//! audit trail. Each derives its names from `strum` (snake_case unless it
//! says otherwise), so no list of variants or of names is written by hand;
//! [`named!`] gives each the same three doors: `as_str`, `parse` and `ALL`.

/// `as_str()` (the stored name), `parse(text)` (None for a name no variant
/// has) and `ALL` (every variant, in declaration order) for enums deriving
/// `strum::IntoStaticStr`, `strum::EnumString` and `strum::VariantArray`.
macro_rules! named {
    ($($ty:ty),* $(,)?) => {$(
        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$ty] = <$ty as strum::VariantArray>::VARIANTS;

            /// The name it is stored and sent under.
            pub fn as_str(self) -> &'static str {
                self.into()
            }

            /// The variant `text` names, if any.
            pub fn parse(text: &str) -> Option<$ty> {
                text.parse().ok()
            }
        }
    )*};
}
pub(crate) use named;
